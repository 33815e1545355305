// Charts of the calculation result page. Data comes from the json_script element
// "accounting-chart-data" (no inline script: the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var source = document.getElementById("accounting-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#198754", "#0d6efd", "#fd7e14", "#6f42c1", "#dc3545", "#20c997",
                 "#ffc107", "#6c757d", "#0dcaf0", "#d63384", "#adb5bd", "#495057"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var series = data[canvas.dataset.chart];
    if (!series || !series.labels.length) { return; }
    var isCategory = canvas.dataset.chart === "by_category";
    new Chart(canvas, {
      type: isCategory ? "doughnut" : "bar",
      data: {
        labels: series.labels,
        datasets: [{ label: "tCO2", data: series.values,
                     backgroundColor: series.labels.map(function (_, i) { return palette[i % palette.length]; }) }]
      },
      options: {
        maintainAspectRatio: false,
        indexAxis: isCategory ? undefined : "y",
        plugins: { legend: { display: isCategory } }
      }
    });
  });
})();
