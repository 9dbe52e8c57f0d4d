/* Fengqiao console: draws the supervision charts from the JSON the page carries.
   No network access, no inline script (the pages send a strict Content-Security-Policy). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var holder = document.getElementById("chart-data");
  if (!holder || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(holder.textContent || "{}");
  var Chart = window.Chart;
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#1f2937";
  Chart.defaults.animation = reduce ? false : { duration: 300 };

  function datasets(series, kind) {
    return series.map(function (s) {
      return {
        label: s.label,
        data: s.data,
        backgroundColor: s.color,
        borderColor: s.color,
        borderWidth: kind === "line" ? 2 : 0,
        pointRadius: kind === "line" ? 2 : 0,
        tension: 0.2,
        fill: false
      };
    });
  }

  function draw(id, block, kind) {
    var canvas = document.getElementById(id);
    if (!canvas || !block || !block.labels) { return; }
    new Chart(canvas, {
      type: kind,
      data: { labels: block.labels, datasets: datasets(block.series, kind) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "top" } },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 45 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  draw("units-chart", data.units, "bar");
  draw("trend-chart", data.trend, "line");
})();
