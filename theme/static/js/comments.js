/* Comment widgets (see templates/_comments.html and plugins/comments).
 *
 * The comments fetched at build time are already in the page. A first-party
 * service (Isso) loads its script when the comments come near the screen, or
 * at once when the reader arrives at them (#comments); once its live thread
 * shows comments, the static copy steps aside. A third-party service loads nothing
 * until the reader clicks "Show comments". No inline script: everything the
 * widgets need is in data attributes, so the site's CSP can refuse inline code.
 */
(function () {
  "use strict";

  function appendScript(parent, attributes) {
    var script = document.createElement("script");
    Object.keys(attributes).forEach(function (name) {
      if (name === "src") {
        script.src = attributes.src;
      } else {
        script.setAttribute(name, attributes[name]);
      }
    });
    script.async = true;
    parent.appendChild(script);
  }

  function textOf(html) {
    // Never parsed as HTML (even an inert parse trips the CSP on event
    // attributes): tags removed as text (a literal "<" in toot text arrives
    // as "&lt;"), then entities decoded by a textarea, whose content is text.
    var decoder = document.createElement("textarea");
    decoder.innerHTML = html.replace(/<\/p>|<br\s*\/?>/gi, "\n").replace(/<[^>]*>/g, "");
    return decoder.value.trim();
  }

  function safeLink(url) {
    return /^https?:\/\//i.test(url || "") ? url : null;
  }

  var loaders = {
    // A service whose script reads its settings from its own data-* attributes (giscus...).
    script: function (widget) {
      appendScript(widget, JSON.parse(widget.getAttribute("data-script")));
    },

    // Disqus reads a global disqus_config function.
    disqus: function (widget) {
      var data = widget.dataset;
      window.disqus_config = function () {
        this.page.url = data.url;
        this.page.identifier = data.identifier;
        this.page.title = data.title;
        this.language = data.lang;
      };
      appendScript(widget, {src: data.src, "data-timestamp": String(Date.now())});
    },

    // Mastodon: the newest public replies of the toot, as text.
    mastodon: function (widget) {
      var data = widget.dataset;
      var section = widget.closest(".comments");
      fetch(data.instance + "/api/v1/statuses/" + encodeURIComponent(data.toot) + "/context",
            {credentials: "omit", referrerPolicy: "no-referrer"})
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (context) {
          var list = document.createElement("ol");
          list.className = "comment-list";
          (context.descendants || []).forEach(function (status) {
            if (status.visibility !== "public" && status.visibility !== "unlisted") { return; }
            list.appendChild(tootItem(status));
          });
          var old = section.querySelector("[data-comments-static]");
          if (list.children.length) {
            if (old) { old.replaceWith(list); } else { widget.before(list); }
          }
          widget.setAttribute("data-loaded", "");
        })
        .catch(function () {
          widget.setAttribute("data-failed", "");
        });
    }
  };

  function tootItem(status) {
    var item = document.createElement("li");
    item.className = "comment";
    var meta = document.createElement("p");
    meta.className = "comment-meta";
    var account = status.account || {};
    var name = document.createElement(safeLink(account.url) ? "a" : "span");
    // As in the build's copy: a right-to-left override in a name stays inside the name.
    name.appendChild(document.createElement("bdi")).textContent = account.display_name || account.acct || "";
    if (safeLink(account.url)) { name.href = account.url; name.rel = "nofollow ugc noopener"; }
    meta.appendChild(name);
    var date = document.createElement("time");
    date.dateTime = status.created_at;
    date.textContent = " · " + new Date(status.created_at).toLocaleDateString(document.documentElement.lang);
    meta.appendChild(date);
    var text = document.createElement("p");
    text.className = "comment-text";
    text.textContent = textOf(status.content || "");
    item.appendChild(meta);
    item.appendChild(text);
    return item;
  }

  function offerConsent(section) {
    var consent = section.querySelector("[data-comments-consent]");
    var widget = section.querySelector("[data-comments-widget]");
    var load = widget && loaders[widget.getAttribute("data-comments-widget")];
    if (!consent || !load) { return; }
    consent.hidden = false;
    consent.querySelector("[data-comments-show]").addEventListener("click", function () {
      consent.hidden = true;
      load(widget);
      widget.setAttribute("tabindex", "-1");
      widget.focus();  // keyboard and screen-reader users land on the comments
    });
  }

  // Isso renders the live thread; hide the build-time copy once it shows comments. Its vote
  // arrows are links holding only a picture: name them in the page's language (the theme's words
  // wait in data-label-* attributes of the widget element).
  function watchIsso(section) {
    var thread = section.querySelector("#isso-thread");
    if (!thread) { return; }
    var copy = section.querySelector("[data-comments-static]");
    var labels = {
      ".isso-upvote": thread.getAttribute("data-label-upvote"),
      ".isso-downvote": thread.getAttribute("data-label-downvote")
    };
    function name() {
      Object.keys(labels).forEach(function (selector) {
        if (!labels[selector]) { return; }
        thread.querySelectorAll(selector + ":not([aria-label])").forEach(function (link) {
          link.setAttribute("aria-label", labels[selector]);
          link.setAttribute("role", "button");
        });
      });
    }
    var observer = new MutationObserver(function () {
      name();
      if (copy && !copy.hidden && thread.querySelector("#isso-root .isso-comment")) {
        copy.hidden = true;
      }
    });
    observer.observe(thread, {childList: true, subtree: true});
  }

  // The page's first screen loads nothing from the comment server (its own origin, often):
  // the widget's script comes when the section is about a screen away.
  function loadWhenNear(section) {
    var widget = section.querySelector("[data-comments-load=near]");
    if (!widget) { return; }
    var load = function () { loaders.script(widget); };
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!("IntersectionObserver" in window) || (target && section.contains(target))) {
      load();
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        load();
      }
    }, {rootMargin: "600px 0px"});
    observer.observe(section);
  }

  document.querySelectorAll("section.comments").forEach(function (section) {
    offerConsent(section);
    watchIsso(section);
    loadWhenNear(section);
  });
})();
