/* Unpacks the embedded plotly.js once (gzip, base64: see rnnlens/report/html.py), then draws each figure
   from its JSON spec when it scrolls near the viewport, so long reports open fast. */
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true };
  var figures = Array.prototype.slice.call(document.querySelectorAll("div.fig[data-spec]"));
  var plotly = null;
  var BAR_TITLE_PX = 130;

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

  // Long titles would run past the figure's edge (plotly never wraps them): once drawn, a title or colour
  // bar title wider than its room is broken into lines at spaces, measured in the page itself.
  function lines(text, perLine) {
    var out = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > perLine) { out.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { out.push(line); }
    return out;
  }

  function wrapped(text, measured, room) {
    return lines(text, Math.max(8, Math.floor(text.length * room / measured) - 1));
  }

  function fitTitles(div, Plotly) {
    var box = div.getBoundingClientRect();
    var layout = div.layout || {}, update = {}, restyles = [];
    var title = div.querySelector(".gtitle");
    var text = layout.title && layout.title.text;
    if (title && text && text.indexOf("<br>") < 0) {
      var r = title.getBoundingClientRect();
      if (r.right > box.right - 2) {
        var titleLines = wrapped(text, r.width, box.right - r.left - 12);
        var size = (layout.title.font && layout.title.font.size) || 14;
        update["title.text"] = titleLines.join("<br>");
        update["margin.t"] = Math.max((layout.margin && layout.margin.t) || 0, 20 + titleLines.length * Math.ceil(size * 1.3));
      }
    }
    (div._fullData || []).forEach(function (trace) {
      var bar = trace.colorbar, group = div.querySelector("g.cb" + trace.uid + " .cbtitle text");
      var barText = bar && bar.title && bar.title.text;
      if (!group || !barText || barText.indexOf("<br>") >= 0) { return; }
      var t = group.getBoundingClientRect();
      var side = bar.title.side === "right" || bar.title.side === "left";
      // A horizontal colour bar title wider than BAR_TITLE_PX steals the plot's width: wrap it too.
      var room = side ? box.height - 40 : Math.min(BAR_TITLE_PX, box.right - t.left - 6);
      if ((side ? t.height : t.width) <= room) { return; }
      var barLines = wrapped(barText, side ? t.height : t.width, room);
      restyles.push([{ "colorbar.title.text": barLines.join("<br>") }, [trace.index]]);
    });
    var steps = restyles.map(function (args) { return function () { return Plotly.restyle(div, args[0], args[1]); }; });
    if (Object.keys(update).length) { steps.push(function () { return Plotly.relayout(div, update); }); }
    return steps.reduce(function (done, step) { return done.then(step); }, Promise.resolve());
  }

  function draw(div) {
    if (div.getAttribute("data-drawn")) { return Promise.resolve(); }
    div.setAttribute("data-drawn", "1");
    return loadPlotly().then(function (Plotly) {
      var spec = JSON.parse(document.getElementById(div.getAttribute("data-spec")).textContent);
      return Plotly.newPlot(div, spec.data, spec.layout, config).then(function () {
        return fitTitles(div, Plotly);
      });
    }).then(function () {
      div.setAttribute("data-ready", "1");
    }, function (error) {
      fail(div, error);
    });
  }

  // Long tables show their first FOLD_ROWS rows and a button for the rest (all rows when printed).
  var FOLD_ROWS = 10;
  var folds = [];
  function fold(table) {
    var rows = table.tBodies.length ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
    if (rows.length <= FOLD_ROWS + 5) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fold";
    function show(all) {
      rows.forEach(function (row, i) { row.hidden = !all && i >= FOLD_ROWS; });
      button.textContent = all ? "Show the first " + FOLD_ROWS + " rows" : "Show all " + rows.length + " rows";
      button.setAttribute("aria-expanded", all ? "true" : "false");
    }
    button.addEventListener("click", function () { show(rows[rows.length - 1].hidden); });
    var wrap = table.closest(".table-wrap") || table;
    wrap.parentNode.insertBefore(button, wrap.nextSibling);
    show(false);
    folds.push(show);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.data"), fold);

  window.rnnlensDrawAll = function () { return Promise.all(figures.map(draw)); };
  window.addEventListener("beforeprint", function () {
    folds.forEach(function (show) { show(true); });
    window.rnnlensDrawAll();
  });
  if (figures.length) { loadPlotly().catch(function () { /* each figure reports it when drawn */ }); }
  if (!("IntersectionObserver" in window)) { window.rnnlensDrawAll(); return; }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
    });
  }, { rootMargin: "600px 0px" });
  figures.forEach(function (div) { observer.observe(div); });
})();
