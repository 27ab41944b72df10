"""Report size (#13 item 6): the page embeds a compressed partial plotly.js once; the rest is the figures."""

from __future__ import annotations

import base64
import gzip
import json

from rnnlens.report import render_html
from rnnlens.report.html import PLOTLY_BUNDLE, plotly_bundle_base64
from tests.report.builders import full_report
from tests.report.page_parser import PageStructure

FULL_PLOTLY_BYTES = 4_600_000  # plotly.py's full plotly.js, which reports embedded before


def test_embedded_bundle_is_the_vendored_partial_plotly_compressed() -> None:
    packed = plotly_bundle_base64()
    code = gzip.decompress(base64.b64decode(packed))
    assert code == PLOTLY_BUNDLE.read_bytes()
    assert code.startswith(b"/*! plotly.js v4.")
    assert b"traces: scatter, heatmap, bar, waterfall" in code[:300]
    assert len(code) < 1_200_000 < FULL_PLOTLY_BYTES
    assert len(packed) < 600_000
    assert plotly_bundle_base64() == packed  # reproducible: no time stamp in the gzip header


def test_page_is_the_bundle_plus_its_figures_and_little_else() -> None:
    report = full_report(n_samples=3)
    page = render_html(report)
    structure = PageStructure(page)
    specs = [text for kind, text in structure.scripts if kind == "application/json"]
    bundles = [text for kind, text in structure.scripts if kind == "application/gzip"]
    assert len(bundles) == 1 and bundles[0] == plotly_bundle_base64()
    executable = [text for kind, text in structure.scripts if kind is None]
    assert len(executable) == 1 and "DecompressionStream" in executable[0]
    figure_bytes = sum(len(spec.encode()) for spec in specs)
    rest = len(page.encode()) - len(bundles[0]) - figure_bytes
    assert 0 < rest < 60_000, rest  # markup, CSS and the loader
    assert len(page.encode()) < 700_000


def test_every_figure_uses_a_trace_type_the_bundle_has() -> None:
    page = render_html(full_report(n_samples=1))
    specs = [json.loads(t) for kind, t in PageStructure(page).scripts if kind == "application/json"]
    used = {trace["type"] for spec in specs for trace in spec["data"]}
    assert used and used <= {"scatter", "heatmap", "bar", "waterfall"}
