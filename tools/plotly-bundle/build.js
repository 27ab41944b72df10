// node build.js OUTFILE: bundles entry.js the way plotly.js builds its own dist files (esbuild-config.js
// in the plotly.js package), minified, licence comments kept at the end of the file.
'use strict';

const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

// plotly.js's registry imports maplibre-gl's 83 kB stylesheet for map subplots, which the report never
// registers: resolve it to an empty module.
const noMapStyles = {
    name: 'no-map-styles',
    setup(build) {
        build.onResolve({ filter: /^maplibre-gl\/dist\/maplibre-gl\.css$/ }, (args) => ({
            path: args.path,
            namespace: 'no-map-styles',
        }));
        build.onLoad({ filter: /.*/, namespace: 'no-map-styles' }, () => ({ contents: '', loader: 'js' }));
    },
};

// As plotly.js's own dist bundles do: drop the attribute descriptions (documentation for the plot schema,
// never read when drawing), about a tenth of the bundle.
// A string literal in either quote, and an array of them joined (plotly.js's formatter may break the
// join over several lines).
const STRING = String.raw`(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")`;
const VALUE = String.raw`(?:${STRING}|\[[^{}]*?\]\s*\.join\(\s*${STRING}\s*\))`;
const DOC_FIELDS = new RegExp(String.raw`\b(?:description|hrName):\s*${VALUE}\s*(?:,|(?=\s*}))`, 'g');
const stripDocs = {
    name: 'strip-attribute-docs',
    setup(build) {
        build.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/].*\.js$/ }, async (args) => {
            const text = await require('fs').promises.readFile(args.path, 'utf8');
            return { contents: text.replace(DOC_FIELDS, ''), loader: 'js' };
        });
    },
};

const outfile = process.argv[2];
if (!outfile) {
    console.error('usage: node build.js OUTFILE');
    process.exit(2);
}

const version = require('plotly.js/package.json').version;
const traces = ['scatter', 'heatmap', 'bar', 'waterfall'];

esbuild
    .build({
        entryPoints: [require('path').join(__dirname, 'entry.js')],
        outfile,
        format: 'iife',
        globalName: 'Plotly',
        bundle: true,
        minify: true,
        legalComments: 'eof',
        banner: {
            js: `/*! plotly.js v${version}, partial bundle for rnnlens reports (traces: ${traces.join(', ')}); ` +
                'Copyright 2012-2026, Plotly, Inc.; MIT license (see plotly.js-LICENSE) */',
        },
        sourcemap: false,
        plugins: [noMapStyles, stripDocs, InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
        alias: { stream: 'stream-browserify' },
        define: { global: 'window', 'define.amd': 'false' },
        target: 'es2016',
        logLevel: 'info',
        metafile: true,
    })
    .then((result) => writeLicenses(result.metafile, outfile.replace(/\.min\.js$/, '') + '.licenses.txt'))
    .catch(() => process.exit(1));

// Every npm package that ended up in the bundle, with its version and licence, next to the bundle.
function writeLicenses(metafile, path) {
    const fs = require('fs');
    const packages = new Map();
    for (const input of Object.keys(metafile.inputs)) {
        const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
        if (!match) continue;
        const name = match[match.length - 1].slice('node_modules/'.length, -1);
        if (packages.has(name)) continue;
        const dir = input.slice(0, input.lastIndexOf('node_modules/' + name + '/') + 13 + name.length);
        const meta = JSON.parse(fs.readFileSync(require('path').join(dir, 'package.json'), 'utf8'));
        packages.set(name, `${name} ${meta.version} ${meta.license || 'see package'}`);
    }
    const lines = [...packages.keys()].sort().map((name) => packages.get(name));
    fs.writeFileSync(path, `npm packages bundled into ${require('path').basename(outfile)}:\n${lines.join('\n')}\n`);
}
