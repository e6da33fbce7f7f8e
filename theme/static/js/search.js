// Site search with Pagefind's self-hosted bundle (see plugins/search/).
// The bundle is imported only once the reader asks for something, so the page
// costs nothing more until then. Pagefind picks the index of the page's
// <html lang>: the French page searches French posts, the English one English.

const form = document.querySelector("form.search-form[data-bundle]");
const input = form?.querySelector('input[name="q"]');
const output = document.querySelector(".search-results");
const MAX_SHOWN = 20;
const TYPING_PAUSE_MS = 250;

let pagefind = null; // the import's promise, shared by every query
let latest = 0; // number of the newest query: answers to older ones are dropped
let typing = null;

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
  const status = document.createElement("p");
  status.className = "search-status";
  status.textContent = text;
  return status;
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

function resultItem(page) {
  const link = document.createElement("a");
  link.href = page.url;
  link.textContent = page.meta?.title || page.url;
  const title = document.createElement("h2");
  title.append(link);
  const excerpt = document.createElement("p");
  excerpt.append(...excerptNodes(page.excerpt || ""));
  const item = document.createElement("li");
  item.append(title, excerpt);
  return item;
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
  if (!query) {
    output.replaceChildren();
    return;
  }
  output.replaceChildren(say(output.dataset.searching));
  try {
    const module = await loadPagefind();
    const found = await module.search(query);
    const pages = await Promise.all(found.results.slice(0, MAX_SHOWN).map((result) => result.data()));
    if (ticket !== latest) return;
    const list = document.createElement("ol");
    list.className = "search-list";
    list.append(...pages.map(resultItem));
    output.replaceChildren(say(countText(found.results.length, query)), list);
  } catch (error) {
    if (ticket !== latest) return;
    console.warn("Search failed:", error);
    output.replaceChildren(say(output.dataset.failed));
  }
}

if (form && input && output) {
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
