// NDRC's workbench: the charts of the counts and the map of the parks' outlines.
// The counts come from the json_script element "workbench-chart-data" (the CSP forbids inline
// script); the tables beside each chart hold the same numbers, each linked to its filtered list,
// and a click on a bar or slice opens the same list. The outlines are loaded from the page's
// JSON endpoint (data-url) after the page shows; no tile server: the parks' outlines over the
// provinces' outlines and the maritime line (the offline base layer that map-outlines.js loads:
// data-admin-provinces, data-admin-maritime), fitted to the parks.
(function () {
  "use strict";
  var COLOURS = ["#198754", "#0d6efd", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d",
                 "#ffc107", "#0dcaf0", "#d63384"];
  var source = document.getElementById("workbench-chart-data");
  if (source && typeof Chart !== "undefined") {
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.getAttribute("data-chart");
      var series = data[key];
      if (!series) { return; }
      var round = key === "tier" || key === "core";
      var colours = series.values.map(function (_v, i) { return COLOURS[i % COLOURS.length]; });
      if (key === "core") { colours = series.labels.map(function (_l, i) { return ["#198754", "#dc3545", "#6c757d"][i] || "#6c757d"; }); }
      new Chart(canvas, {
        type: round ? "doughnut" : "bar",
        data: {
          labels: series.labels,
          datasets: [{ label: data.count_label, data: series.values, backgroundColor: round ? colours : "#198754" }]
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: round, position: "bottom" } },
          scales: round ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } },
          onClick: function (_event, elements) {
            if (elements.length && series.urls[elements[0].index]) {
              window.location.href = series.urls[elements[0].index];
            }
          }
        }
      });
    });
  }

  var holder = document.getElementById("workbench-map");
  var status = document.getElementById("workbench-map-status");
  if (!holder || typeof L === "undefined") { return; }
  var map = L.map(holder, { scrollWheelZoom: false, zoomSnap: 0.25, preferCanvas: true });
  L.control.scale({ imperial: false }).addTo(map);
  map.setView([35.0, 105.0], 4);
  function say(text) { if (status) { status.textContent = text; } }
  // The base layer (map-outlines.js), below the parks.
  window.zcpMapOutlines(map, holder, ["data-admin-provinces", "data-admin-maritime"], function () {
    return { color: "#495057", weight: 1, opacity: 0.8, fill: false };
  }, "workbench map");
  fetch(holder.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (payload) {
      // each park: [application id, park name, state code, [[lat, lng], ...]]
      var parks = payload.parks || [];
      if (!parks.length) { say(holder.getAttribute("data-empty")); return; }
      var group = L.featureGroup();
      parks.forEach(function (park) {
        var polygon = L.polygon(park[3], { color: "#198754", weight: 1, fillOpacity: 0.3 });
        var link = document.createElement("a");
        link.href = payload.link.replace("/0/", "/" + park[0] + "/");
        link.textContent = park[1];
        var box = document.createElement("div");
        box.appendChild(link);
        box.appendChild(document.createElement("br"));
        box.appendChild(document.createTextNode(payload.states[park[2]] || park[2]));
        polygon.bindPopup(box);
        group.addLayer(polygon);
        // a park is a few kilometres across: at the scale of China its outline is a speck, so a
        // small marker at its centre shows where it is
        var marker = L.circleMarker(polygon.getBounds().getCenter(), {
          radius: 4, color: "#146c43", weight: 1, fillColor: "#198754", fillOpacity: 0.8
        });
        marker.bindPopup(box);
        group.addLayer(marker);
      });
      group.addTo(map);
      map.fitBounds(group.getBounds(), { padding: [16, 16] });
      holder.setAttribute("data-parks", String(parks.length));
      say(holder.getAttribute("data-loaded") + String(parks.length));
    })
    .catch(function () { say(holder.getAttribute("data-failed")); });
}());
