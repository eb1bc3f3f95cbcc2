// Render every Plotly chart on the page from the JSON next to it (no inline script: the
// Content-Security-Policy allows scripts from this server only).
(function () {
  "use strict";
  function draw() {
    var nodes = document.querySelectorAll("div.chart[data-figure]");
    nodes.forEach(function (node) {
      var source = document.getElementById(node.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({
        margin: { l: 60, r: 20, t: 40, b: 50 },
        font: { family: "system-ui, sans-serif", size: 12 },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
      }, figure.layout || {});
      // Screen readers get the chart's title (Plotly's SVG carries no accessible name).
      var title = layout.title && (typeof layout.title === "string" ? layout.title : layout.title.text);
      if (title && !node.hasAttribute("aria-label")) {
        node.setAttribute("role", "figure");
        node.setAttribute("aria-label", "Chart: " + title);
      }
      Plotly.newPlot(node, figure.data || [], layout, {
        responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"],
      }).then(function () { node.setAttribute("data-rendered", "true"); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
