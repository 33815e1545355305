/* Boundary map of the application: draw or edit one polygon with Leaflet-Geoman and keep the
   GeoJSON textarea in step. Works without any tile server: the polygon, a graticule and the
   scale are drawn by Leaflet itself; a tile layer is added only when a URL is configured. */
(function () {
  "use strict";
  var el = document.getElementById("boundary-map");
  var input = document.querySelector("[data-boundary-input]");
  if (!el || !input || typeof L === "undefined") { return; }

  var map = L.map(el, { zoomControl: true, attributionControl: false, minZoom: 3 });
  var tileUrl = el.getAttribute("data-tile-url");
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); }
  L.control.scale({ imperial: false }).addTo(map);

  var graticule = L.layerGroup().addTo(map);
  function step(zoom) {
    var steps = [10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
    var index = Math.max(0, Math.min(steps.length - 1, zoom - 3));
    return steps[index];
  }
  function drawGraticule() {
    graticule.clearLayers();
    var b = map.getBounds();
    var s = step(map.getZoom());
    var style = { color: "#8a9aa9", weight: 0.6, opacity: 0.7, interactive: false };
    for (var lon = Math.floor(b.getWest() / s) * s; lon <= b.getEast(); lon += s) {
      graticule.addLayer(L.polyline([[b.getSouth(), lon], [b.getNorth(), lon]], style));
    }
    for (var lat = Math.floor(b.getSouth() / s) * s; lat <= b.getNorth(); lat += s) {
      graticule.addLayer(L.polyline([[lat, b.getWest()], [lat, b.getEast()]], style));
    }
  }
  map.on("moveend zoomend", drawGraticule);

  var shape = null;
  function writeInput() {
    if (shape) {
      var feature = shape.toGeoJSON();
      input.value = JSON.stringify(feature.geometry || feature);
    } else {
      input.value = "";
    }
    document.dispatchEvent(new CustomEvent("boundary:changed"));
  }
  function watch(layer) {
    layer.on("pm:edit", writeInput);
  }
  function showFromInput() {
    if (shape) { map.removeLayer(shape); shape = null; }
    var text = (input.value || "").trim();
    if (!text) { return false; }
    try {
      var layer = L.geoJSON(JSON.parse(text), { style: { color: "#198754", weight: 2 } });
      var layers = layer.getLayers();
      if (!layers.length) { return false; }
      shape = layers[0];
      // The view first: a vector layer added to a map without a view has no pixel bounds.
      map.fitBounds(shape.getBounds(), { padding: [20, 20] });
      shape.addTo(map);
      watch(shape);
      return true;
    } catch (e) {
      return false;
    }
  }
  if (!showFromInput()) { map.setView([35, 105], 4); }
  drawGraticule();

  if (map.pm) {
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
      drawCircle: false, drawText: false, drawRectangle: true, drawPolygon: true,
      editMode: true, dragMode: false, cutPolygon: false, rotateMode: false, removalMode: true
    });
    map.on("pm:create", function (e) {
      if (shape) { map.removeLayer(shape); }
      shape = e.layer;
      watch(shape);
      writeInput();
    });
    map.on("pm:remove", function (e) {
      if (e.layer === shape) { shape = null; writeInput(); }
    });
  }
  input.addEventListener("change", showFromInput);
})();
