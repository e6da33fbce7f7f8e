/* Click-to-load video players (YouTube, Vimeo).
 *
 * The media plugin writes each video as a plain link inside
 * <figure class="embed" data-embed-src="...">: nothing is requested from the
 * provider until the reader clicks. Then the link gives way to the player.
 * Without JavaScript, the link leads to the video on the provider's site.
 */
(function () {
  "use strict";

  // Only the players the plugin writes; anything else stays a plain link.
  var PLAYERS = /^https:\/\/(www\.youtube-nocookie\.com\/embed\/|player\.vimeo\.com\/video\/)/;

  function play(event) {
    // Ctrl-, Cmd-, Shift-click or a middle click: the reader wants a new tab.
    if (event.defaultPrevented || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    var preview = event.target.closest && event.target.closest(".embed-preview");
    var figure = preview && preview.closest("figure.embed");
    var src = figure && figure.getAttribute("data-embed-src");
    if (!src || !PLAYERS.test(src)) {
      return;
    }
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = preview.textContent.trim();
    frame.allow = "autoplay; fullscreen; picture-in-picture";
    frame.allowFullscreen = true;
    frame.className = "embed-frame";
    frame.style.cssText = "display:block;width:100%;aspect-ratio:16/9;border:0";
    preview.replaceWith(frame);
    frame.focus();  // keyboard users stay where they were
  }

  document.addEventListener("click", play);
})();
