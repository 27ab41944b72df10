/* Draws each figure from its JSON spec when it scrolls near the viewport, so long reports open fast. */
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true };
  var figures = Array.prototype.slice.call(document.querySelectorAll("div.fig[data-spec]"));
  function draw(div) {
    if (div.getAttribute("data-drawn")) { return; }
    div.setAttribute("data-drawn", "1");
    var source = document.getElementById(div.getAttribute("data-spec"));
    var spec = JSON.parse(source.textContent);
    Plotly.newPlot(div, spec.data, spec.layout, config).then(function () {
      div.setAttribute("data-ready", "1");
    });
  }
  window.rnnlensDrawAll = function () { figures.forEach(draw); };
  window.addEventListener("beforeprint", window.rnnlensDrawAll);
  if (!("IntersectionObserver" in window)) { window.rnnlensDrawAll(); return; }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
    });
  }, { rootMargin: "600px 0px" });
  figures.forEach(function (div) { observer.observe(div); });
})();
