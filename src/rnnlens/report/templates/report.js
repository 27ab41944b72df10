/* Unpacks the embedded plotly.js once (gzip, base64: see rnnlens/report/html.py), then draws each figure
   from its JSON spec when it scrolls near the viewport, so long reports open fast. */
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true };
  var figures = Array.prototype.slice.call(document.querySelectorAll("div.fig[data-spec]"));
  var plotly = null;

  function unpack(source) {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    if (!source) { return Promise.reject(new Error("the page carries no plotly.js")); }
    if (!("DecompressionStream" in window)) {
      return Promise.reject(new Error(
        "this browser cannot unpack the charts (it needs DecompressionStream: Chrome 80, Firefox 113, " +
        "Safari 16.4 or later)"));
    }
    var binary = atob(source.textContent.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (code) {
      // An inline script element runs under the page's CSP ('unsafe-inline'); eval would not.
      var script = document.createElement("script");
      script.textContent = code;
      document.head.appendChild(script);
      if (!window.Plotly) { throw new Error("plotly.js did not start"); }
      return window.Plotly;
    });
  }

  function loadPlotly() {
    if (!plotly) { plotly = unpack(document.getElementById("plotly-js")); }
    return plotly;
  }

  function fail(div, error) {
    div.setAttribute("data-error", "1");
    div.classList.add("fig-error");
    div.textContent = "This chart could not be drawn: " + (error && error.message ? error.message : error) + ".";
  }

  function draw(div) {
    if (div.getAttribute("data-drawn")) { return Promise.resolve(); }
    div.setAttribute("data-drawn", "1");
    return loadPlotly().then(function (Plotly) {
      var spec = JSON.parse(document.getElementById(div.getAttribute("data-spec")).textContent);
      return Plotly.newPlot(div, spec.data, spec.layout, config);
    }).then(function () {
      div.setAttribute("data-ready", "1");
    }, function (error) {
      fail(div, error);
    });
  }

  window.rnnlensDrawAll = function () { return Promise.all(figures.map(draw)); };
  window.addEventListener("beforeprint", window.rnnlensDrawAll);
  if (figures.length) { loadPlotly().catch(function () { /* each figure reports it when drawn */ }); }
  if (!("IntersectionObserver" in window)) { window.rnnlensDrawAll(); return; }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
    });
  }, { rootMargin: "600px 0px" });
  figures.forEach(function (div) { observer.observe(div); });
})();
