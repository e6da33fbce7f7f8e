// Live reload for `invoke serve` (publisher/preview/server.py); never part of the built site.
(function () {
  "use strict";
  var BOX_ID = "__livereload-failure";
  var script = document.currentScript;
  var version = (script && script.getAttribute("data-version")) || "";
  var events = new EventSource("/__livereload?since=" + encodeURIComponent(version));
  events.addEventListener("reload", function () {
    events.close();
    window.location.reload();
  });
  events.addEventListener("failure", function (event) {
    showFailure(JSON.parse(event.data));
  });

  function element(name, text, styles) {
    var made = document.createElement(name);
    made.textContent = text || "";
    Object.keys(styles || {}).forEach(function (property) {
      made.style.setProperty(property, styles[property]);
    });
    return made;
  }

  function showFailure(failure) {
    var previous = document.getElementById(BOX_ID);
    if (previous) {
      previous.remove();
    }
    var box = element("div", "", {
      "position": "fixed", "top": "0", "left": "0", "right": "0", "z-index": "2147483647",
      "max-height": "60vh", "overflow": "auto", "box-sizing": "border-box", "padding": "1rem 1.25rem",
      "background": "#fff4f2", "color": "#5a0b00", "border-bottom": "4px solid #c0260f",
      "font": "15px/1.45 system-ui, sans-serif", "text-align": "left"
    });
    box.id = BOX_ID;
    box.setAttribute("role", "alert");
    var hide = element("button", "Hide", {"float": "right", "font": "inherit", "cursor": "pointer"});
    hide.type = "button";
    hide.addEventListener("click", function () { box.remove(); });
    box.append(
      hide,
      element("p", failure.title, {"margin": "0 0 0.5rem", "font-weight": "bold", "font-size": "1.1em"}),
      element("pre", failure.lines.join("\n"), {
        "margin": "0 0 0.5rem", "white-space": "pre-wrap", "overflow-wrap": "anywhere",
        "font": "14px/1.45 ui-monospace, monospace", "color": "inherit", "background": "none"
      }),
      element("p", "The page below is from the last build that succeeded; it reloads once the next one does.",
              {"margin": "0", "font-size": "0.9em"})
    );
    document.body.appendChild(box);
  }
}());
