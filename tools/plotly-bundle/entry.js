// The plotly.js traces an rnnlens report draws, and nothing else: core (scatter and the standard
// components: legend, hover, colour bars, shapes, annotations, modebar), plus heatmap, bar and waterfall.
// Add a trace here (and to TRACES in src/rnnlens/report/vendor/README.md) before a figure uses it.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/waterfall'),
]);

module.exports = Plotly;
