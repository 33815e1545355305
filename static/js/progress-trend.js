// Trend charts of a progress report: each indicator's actual value per year against its target.
// Data comes from the json_script element "progress-chart-data" (the CSP forbids inline script);
// the table under each chart holds the same numbers for screen readers and without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("progress-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  function numbers(values) {
    // Decimal strings from the server; null where a year has no value.
    return values.map(function (v) { return v === null ? null : Number(v); });
  }
  document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
    var series = data[canvas.dataset.trend];
    if (!series) { return; }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: series.years.map(String),
        datasets: [
          { label: series.actual_name, data: numbers(series.actual), borderColor: "#198754",
            backgroundColor: "#198754", spanGaps: false, tension: 0 },
          { label: series.target_name, data: numbers(series.target), borderColor: "#6c757d",
            backgroundColor: "#6c757d", borderDash: [6, 4], spanGaps: true, tension: 0 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { title: { display: true, text: series.unit } } }
      }
    });
  });
})();
