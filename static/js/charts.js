/* Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (see templates/scoring/_chart.html).
   Chart.js is vendored (static/vendor); numbers follow the page's language (88,3 in German). */
(function () {
  "use strict";
  var PALETTE = ["#00528c", "#d9822b", "#2e7d32", "#8e24aa", "#c62828"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var lang = document.documentElement.lang || "de";
    var number = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    var format = function (value) {
      if (value === null || value === undefined) return "–";
      return spec.value_format === "rank" ? String(value) : number.format(value);
    };
    var datasets = spec.datasets.map(function (dataset, index) {
      var color = PALETTE[index % PALETTE.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: spec.type === "line" || spec.type === "radar" ? color + "33" : color,
        borderColor: color,
        borderWidth: 2,
        spanGaps: true,
        pointRadius: 3
      };
    });
    var scale = { ticks: { callback: function (value) { return format(value); } } };
    if (spec.value_format === "rank") { scale.reverse = Boolean(spec.reverse_y); scale.ticks.precision = 0; scale.min = 1; }
    if (spec.max_value !== null && spec.max_value !== undefined) { scale.max = spec.max_value; scale.min = 0; }
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: lang,
      plugins: {
        legend: { display: datasets.length > 1 },
        tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + format(item.raw); } } }
      }
    };
    if (spec.type === "radar") { options.scales = { r: { min: 0, max: spec.max_value || 100, ticks: scale.ticks } }; }
    else if (spec.type === "bar" && spec.horizontal) { options.indexAxis = "y"; options.scales = { x: scale }; }
    else { options.scales = { y: scale }; }
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
    canvas.dataset.drawn = "true";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
