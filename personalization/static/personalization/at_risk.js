// Draws the "At risk" page's distribution with Chart.js (served by the hub itself); without
// Chart.js the table below it stays and a note says that the chart is missing.
(function () {
  "use strict";
  function draw(root) {
    const source = root.querySelector("script[type='application/json']");
    if (!source) return;
    if (typeof window.Chart === "undefined") {
      root.querySelectorAll("[data-charts-missing]").forEach((note) => { note.hidden = false; });
      root.querySelectorAll("[data-charts]").forEach((empty) => { empty.hidden = true; });
      return;
    }
    const data = JSON.parse(source.textContent);
    const high = data.labels.map((label) => parseFloat(label) >= data.threshold - 1e-9);
    new window.Chart(root.querySelector("canvas[data-chart='risk']"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: "Customers", data: data.customers,
          backgroundColor: high.map((isHigh) => (isHigh ? "#cd4444" : "#007d7e")),
        }],
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
  }
  const start = () => document.querySelectorAll("[data-charts-root]").forEach(draw);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
