// Render every Plotly chart on the page from the JSON next to it (no inline script: the
// Content-Security-Policy allows scripts from this server only).
(function () {
  "use strict";
  // Break a title into lines that fit the chart's width: Plotly never wraps one, and on a phone
  // a long title ran off both sides of the chart ("etnam: trade with all partner countrie").
  function wrapTitle(text, width, size) {
    var perLine = Math.max(12, Math.floor(width / (size * 0.6)));
    if (text.length <= perLine || text.indexOf("<br>") !== -1) { return [text]; }
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > perLine) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
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
      if (title) {
        var size = (layout.title.font && layout.title.font.size) || layout.font.size * 1.4;
        var lines = wrapTitle(title, node.clientWidth - 20, size);
        if (lines.length > 1) {
          var titleLayout = typeof layout.title === "string" ? {} : layout.title;
          layout.title = Object.assign({}, titleLayout, { text: lines.join("<br>") });
          layout.margin = Object.assign({}, layout.margin, {
            t: (layout.margin.t || 40) + (lines.length - 1) * Math.ceil(size * 1.3),
          });
        }
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
