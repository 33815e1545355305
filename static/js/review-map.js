// The review page's boundary map: the submitted polygon, read-only. Like the editing map it
// needs no tile server; tiles are added only when a URL is configured (data-tile-url).
(function () {
  "use strict";
  var holder = document.getElementById("review-map");
  var data = document.getElementById("review-boundary");
  if (!holder || !data || typeof L === "undefined") { return; }
  var geojson = JSON.parse(data.textContent);
  var map = L.map(holder, { scrollWheelZoom: false });
  var tileUrl = holder.getAttribute("data-tile-url");
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); }
  L.control.scale({ imperial: false }).addTo(map);
  if (geojson) {
    var layer = L.geoJSON(geojson, { style: { color: "#198754", weight: 2 } }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [16, 16] });
  } else {
    map.setView([35.0, 105.0], 4);
  }
}());
