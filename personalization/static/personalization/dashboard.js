// Draws the dashboard's charts with Chart.js (served by the hub itself). Without Chart.js
// the page keeps its tables and says that the charts are missing.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-charts");
  if (!source) return;
  if (typeof window.Chart === "undefined") {
    const note = document.querySelector("[data-charts-missing]");
    if (note) note.hidden = false;
    return;
  }
  const data = JSON.parse(source.textContent);
  const canvas = (name) => document.querySelector(`canvas[data-chart="${name}"]`);
  const line = (label, values, axis) => ({ label, data: values, yAxisID: axis || "y", tension: 0.2, pointRadius: 0 });
  const options = { animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false } };

  new window.Chart(canvas("counts"), {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [line("Impressions", data.impressions), line("Clicks", data.clicks, "y2"), line("Conversions", data.conversions, "y2")],
    },
    options: { ...options, scales: { y: { beginAtZero: true }, y2: { beginAtZero: true, position: "right" } } },
  });
  new window.Chart(canvas("rates"), {
    type: "line",
    data: { labels: data.labels, datasets: [line("Click-through rate", data.ctr), line("Conversion rate", data.cvr)] },
    options: { ...options, spanGaps: true, scales: { y: { beginAtZero: true } } },
  });
  new window.Chart(canvas("segments"), {
    type: "bar",
    data: { labels: data.segments, datasets: [{ label: "Impressions", data: data.segment_impressions }] },
    options: { ...options, indexAxis: "y" },
  });
})();
