/* Leaflet-Geoman draws its toolbar buttons as <a href="#" role="button"> with no text: their name
   is only the title of the surrounding element. Give every such button that name, so that screen
   readers announce it (axe-core rule link-name). Load after the script that adds the controls. */
(function () {
  "use strict";
  var vertex = (document.documentElement.lang || "").slice(0, 2) === "zh" ? "边界顶点" : "Boundary vertex";
  function label(root) {
    // While drawing or editing, Geoman's vertex and cursor markers are focusable buttons too.
    root.querySelectorAll(".leaflet-marker-icon[role=button]:not([aria-label])").forEach(
      function (marker) { marker.setAttribute("aria-label", vertex); }
    );
    root.querySelectorAll(".leaflet-buttons-control-button").forEach(function (button) {
      var holder = button.closest("[title]");
      if (holder && !button.hasAttribute("aria-label")) {
        button.setAttribute("aria-label", holder.getAttribute("title"));
      }
    });
  }
  label(document);
  // Geoman redraws its toolbar (e.g. when a mode toggles); label the new buttons too.
  new MutationObserver(function () { label(document); })
    .observe(document.body, { childList: true, subtree: true });
})();
