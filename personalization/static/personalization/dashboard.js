// Draws the charts of the dashboard and of the figures panels with Chart.js (served by the hub
// itself). Each [data-charts-root] holds its data as JSON and canvases named by data-chart;
// without Chart.js the tables stay and a note says that the charts are missing.
(function () {
  "use strict";
  const line = (label, values, axis) => ({ label, data: values, yAxisID: axis || "y", tension: 0, pointRadius: 2 });
  const options = { animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false } };
  const charts = {
    counts: (data) => ({
      type: "line",
      data: {
        labels: data.labels,
        datasets: [line("Impressions", data.impressions), line("Clicks", data.clicks, "y2"), line("Conversions", data.conversions, "y2")],
      },
      options: { ...options, scales: { y: { beginAtZero: true }, y2: { beginAtZero: true, position: "right" } } },
    }),
    rates: (data) => ({
      type: "line",
      data: { labels: data.labels, datasets: [line("Click-through rate", data.ctr), line("Conversion rate", data.cvr)] },
      options: { ...options, spanGaps: true, scales: { y: { beginAtZero: true } } },
    }),
    arm_means: (data) => ({
      type: "line",
      data: { labels: data.labels, datasets: data.arms.map((arm) => line(arm.key, arm.means)) },
      options: { ...options, spanGaps: true, scales: { y: { beginAtZero: true } } },
    }),
    arm_exposures: (data) => ({
      type: "line",
      data: { labels: data.labels, datasets: data.arms.map((arm) => line(arm.key, arm.exposures)) },
      options: { ...options, spanGaps: true, scales: { y: { beginAtZero: true } } },
    }),
    segments: (data) => ({
      type: "bar",
      data: { labels: data.segments, datasets: [{ label: "Impressions", data: data.segment_impressions }] },
      options: { ...options, indexAxis: "y" },
    }),
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
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      new window.Chart(canvas, charts[canvas.dataset.chart](data));
    });
  }

  const start = () => document.querySelectorAll("[data-charts-root]").forEach(draw);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
