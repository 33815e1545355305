// The review page's boundary map: the submitted polygon, read-only, over the outlines of the
// provinces and of the park's province's cities and counties (the editing map's base layer). Like the editing
// map it needs no tile server; tiles are added only when a URL is configured (data-tile-url).
(function () {
  "use strict";
  var holder = document.getElementById("review-map");
  var data = document.getElementById("review-boundary");
  if (!holder || !data || typeof L === "undefined") { return; }
  var geojson = JSON.parse(data.textContent);
  var chinese = (document.documentElement.lang || "").slice(0, 2) === "zh";
  var map = L.map(holder, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom(chinese ? { zoomInTitle: "放大", zoomOutTitle: "缩小" } : {}).addTo(map);
  var tileUrl = holder.getAttribute("data-tile-url");
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); }
  L.control.scale({ imperial: false }).addTo(map);
  var styles = {
    "data-admin-cities": { color: "#6c757d", weight: 0.9, fill: false },
    "data-admin-counties": { color: "#adb5bd", weight: 0.7, dashArray: "3 3", fill: false }
  };
  // The base layer (map-outlines.js), below the park's polygon.
  window.zcpMapOutlines(map, holder, ["data-admin-provinces", "data-admin-maritime",
    "data-admin-cities", "data-admin-counties"], function (name) {
    return styles[name] || { color: "#495057", weight: 1.4, fill: false };
  }, "review map");
  if (geojson) {
    var layer = L.geoJSON(geojson, { style: { color: "#198754", weight: 2 } }).addTo(map);
    // Not closer than a district's scale, so that the outlines around the park show.
    map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 11 });
  } else {
    map.setView([35.0, 105.0], 4);
  }
}());
