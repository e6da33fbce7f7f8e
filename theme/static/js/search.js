// Site search with Pagefind's self-hosted bundle (see plugins/search/).
// The bundle is imported only once the reader asks for something, so the page
// costs nothing more until then. Pagefind picks the index of the page's
// <html lang>: the French page searches French posts, the English one English.

const form = document.querySelector("form.search-form[data-bundle]");
const input = form?.querySelector('input[name="q"]');
const output = document.querySelector(".search-results");
const status = output?.querySelector(".search-status");
const list = output?.querySelector(".search-list");
const heading = document.querySelector(".search-heading[data-asked]");
const MAX_SHOWN = 20;
const TYPING_PAUSE_MS = 250;
const THUMB = { width: 160, height: 90 }; // 16:9, the cards' pictures; CSS sets the shown size

let pagefind = null; // the import's promise, shared by every query
let latest = 0; // number of the newest query: answers to older ones are dropped
let typing = null;
const plainHeading = heading?.textContent;
const plainTitle = document.title;

function loadPagefind() {
  if (!pagefind) {
    // Resolved against the page: import() would resolve a relative path against this script.
    const bundle = new URL(form.dataset.bundle, document.baseURI);
    pagefind = import(new URL("pagefind.js", bundle).href);
    pagefind.catch(() => { pagefind = null; }); // the next query tries again
  }
  return pagefind;
}

function say(text) {
  status.textContent = text;
}

// Pagefind's excerpt is escaped text with <mark> around the words found:
// rebuilt from text nodes so nothing else of it can reach the page.
function excerptNodes(excerpt) {
  const parsed = document.createElement("template");
  parsed.innerHTML = excerpt;
  return Array.from(parsed.content.childNodes, (node) => {
    if (node.nodeName !== "MARK") return document.createTextNode(node.textContent);
    const mark = document.createElement("mark");
    mark.textContent = node.textContent;
    return mark;
  });
}

function thumbnail(page) {
  // Pagefind's image: the post's cover, else its social card (data-pagefind-meta on
  // the post page); empty alt, since the title follows.
  const src = page.meta?.image;
  if (!src) {
    const blank = document.createElement("span");
    blank.className = "search-thumb search-thumb-blank";
    return blank;
  }
  const image = document.createElement("img");
  image.className = "search-thumb";
  image.src = src;
  image.alt = "";
  image.width = THUMB.width;
  image.height = THUMB.height;
  image.loading = "lazy";
  image.decoding = "async";
  return image;
}

function resultItem(page) {
  // One link, the title, stretched over the card by the stylesheet.
  const link = document.createElement("a");
  link.href = page.url;
  link.textContent = page.meta?.title || page.url;
  const title = document.createElement("h2");
  title.append(link);
  const text = document.createElement("div");
  text.className = "search-result-text";
  text.append(title);
  if (page.meta?.date) {
    const date = document.createElement("p");
    date.className = "search-result-date";
    date.textContent = page.meta.date;
    text.append(date);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "search-excerpt";
  excerpt.append(...excerptNodes(page.excerpt || ""));
  text.append(excerpt);
  const item = document.createElement("li");
  item.className = "search-result";
  item.append(thumbnail(page), text);
  return item;
}

function showQuery(query) {
  // The query in the heading and the tab's title, so the reader sees what was asked.
  if (!heading) return;
  const asked = query ? heading.dataset.asked.split("{query}").join(query) : plainHeading;
  heading.textContent = asked;
  document.title = query ? `${asked} · ${plainTitle}` : plainTitle;
}

function countText(count, query) {
  const text = output.dataset;
  if (count === 0) return text.none.split("{query}").join(query);  // no $-patterns from the query
  return count === 1 ? text.one : text.many.replace("{count}", String(count));
}

function rememberQuery(query) {
  // The address keeps the query, so the results can be shared or reloaded.
  const url = new URL(window.location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  window.history.replaceState(null, "", url);
}

async function run(query) {
  const ticket = ++latest;
  query = query.trim();
  rememberQuery(query);
  showQuery(query);
  if (!query) {
    say("");
    list.replaceChildren();
    output.removeAttribute("aria-busy");
    return;
  }
  say(output.dataset.searching);
  output.setAttribute("aria-busy", "true");
  try {
    const module = await loadPagefind();
    const found = await module.search(query);
    const pages = await Promise.all(found.results.slice(0, MAX_SHOWN).map((result) => result.data()));
    if (ticket !== latest) return;
    list.replaceChildren(...pages.map(resultItem));
    say(countText(found.results.length, query));
  } catch (error) {
    if (ticket !== latest) return;
    console.warn("Search failed:", error);
    list.replaceChildren();
    say(output.dataset.failed);
  } finally {
    if (ticket === latest) output.removeAttribute("aria-busy");
  }
}

if (form && input && output && status && list) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    run(input.value);
  });
  input.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => run(input.value), TYPING_PAUSE_MS);
  });
  const asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    run(asked);
  }
}
