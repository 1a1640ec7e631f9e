// Draws the Sentiment page's charts with Chart.js (served by the hub itself): one line per slice.
// Without Chart.js the table stays and a note says that the charts are missing.
(function () {
  "use strict";
  const options = { animation: false, maintainAspectRatio: false, spanGaps: true, interaction: { mode: "index", intersect: false } };
  const datasets = (series) => series.map((s) => ({ label: s.label, data: s.values, tension: 0, pointRadius: 2 }));
  const charts = {
    mean: (data) => ({ type: "line", data: { labels: data.labels, datasets: datasets(data.mean) },
      options: { ...options, scales: { y: { min: -1, max: 1 } } } }),
    negative: (data) => ({ type: "line", data: { labels: data.labels, datasets: datasets(data.negative) },
      options: { ...options, scales: { y: { min: 0, max: 1 } } } }),
    volume: (data) => ({ type: "bar", data: { labels: data.labels, datasets: datasets(data.volume) },
      options: { ...options, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } }),
  };

  function draw(root) {
    const source = root.querySelector("script[type='application/json']");
    if (!source) return;
    if (typeof window.Chart === "undefined") {
      root.querySelectorAll("[data-charts-missing]").forEach((note) => { note.hidden = false; });
      root.querySelectorAll("[data-charts]").forEach((empty) => { empty.hidden = true; });
      return;
    }
    const data = JSON.parse(source.textContent);
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => { new window.Chart(canvas, charts[canvas.dataset.chart](data)); });
  }

  const start = () => document.querySelectorAll("[data-charts-root]").forEach(draw);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
