/* INFO's charts: each <canvas data-chart="ID"> is drawn with Chart.js (served by INFO at
   /vendor/chart.umd.min.js) from the JSON in <script type="application/json" id="ID">, the same
   numbers as the table beside it.  No inline script: the page's CSP may drop 'unsafe-inline'.
   Also binds the print buttons (data-print) of the print pages. */
(function () {
  "use strict";
  // The badge colours of the statuses (workflow.Status), a little lighter for filled areas.
  var COLOURS = {
    draft: "#6c757d", lao_certified: "#17a2b8", province_certified: "#28a745",
    sections: "#0b5394"
  };
  var PALETTE = ["#0b5394", "#e69138", "#6aa84f", "#cc0000", "#674ea7", "#45818e", "#bf9000",
                 "#a61c00", "#3d85c6", "#93c47d", "#8e7cc3", "#76a5af"];

  function colour(dataset, index) {
    return COLOURS[dataset.status] || PALETTE[index % PALETTE.length];
  }

  function config(spec) {
    var horizontal = !!spec.horizontal;
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (d, i) {
      var c = colour(d, i);
      return {
        label: d.label, data: d.data, backgroundColor: c, borderColor: c,
        borderWidth: line ? 2 : 0, pointRadius: line && d.data.length > 40 ? 0 : 2,
        tension: 0, fill: false
      };
    });
    var valueAxis = {beginAtZero: true, stacked: !!spec.stacked, ticks: {precision: 0}};
    if (spec.max) { valueAxis.max = spec.max; }
    var labelAxis = {stacked: !!spec.stacked, ticks: {autoSkip: true}};
    return {
      type: line ? "line" : "bar",
      data: {labels: spec.labels, datasets: datasets},
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {display: datasets.length > 1, position: "bottom"}},
        scales: horizontal ? {x: valueAxis, y: labelAxis} : {x: labelAxis, y: valueAxis}
      }
    };
  }

  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    var font = window.getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.family = font;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var box = canvas.parentElement;
      var height = box.getAttribute("data-height");
      if (height) { box.style.height = parseInt(height, 10) + "px"; }
      try {
        var chart = new window.Chart(canvas, config(JSON.parse(source.textContent)));
        canvas.setAttribute("data-drawn", "1");
        canvas.chart = chart;
      } catch (e) {
        canvas.setAttribute("data-drawn", "error");
      }
    });
  }

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); }
    else { fn(); }
  }

  ready(function () {
    draw();
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
