"""The page: sections with stable ids, plotly.js once, escaped strings, compact, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnlens.errors import OutputError, RnnlensError
from rnnlens.report import Line, ReportData, SampleSection, SeriesPlot, render_html, write_report
from rnnlens.report.figures import unique_ticks
from tests.report.builders import PAYLOADS, full_report, heatmap, lstm_states
from tests.report.page_parser import PageStructure


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(full_report(n_samples=2))


@pytest.fixture(scope="module")
def evil_page() -> str:
    return render_html(full_report(n_samples=1, payloads=True))


def test_every_section_has_its_stable_id(page: str) -> None:
    ids = PageStructure(page).ids
    for expected in ("toc", "anatomy", "predictions", "samples", "notes"):
        assert expected in ids
    for index in (0, 3):  # full_report numbers samples 0, 3, ...
        for section in ("sample", "attribution", "forecast", "states", "alignment"):
            assert f"{section}-{index}" in ids
    assert len(ids) == len(set(ids)), "element ids must be unique"


def test_plotly_js_is_embedded_exactly_once_and_nothing_is_fetched(page: str) -> None:
    structure = PageStructure(page)
    executable = [text for kind, text in structure.scripts if kind is None]
    assert len(executable) == 1  # the figure loader; plotly.js travels gzip-compressed as data
    from rnnlens.report.html import plotly_bundle_base64

    assert [t for k, t in structure.scripts if k == "application/gzip"] == [plotly_bundle_base64()]
    fetched = [
        (tag, name, value) for tag, name, value in structure.attributes if name in ("src", "href")
    ]
    assert all(value.startswith("#") for _, _, value in fetched), fetched
    assert "default-src 'none'" in page  # the CSP forbids any network access


def test_each_figure_has_a_json_spec(page: str) -> None:
    structure = PageStructure(page)
    specs = [json.loads(text) for kind, text in structure.scripts if kind == "application/json"]
    report = full_report(n_samples=2)
    expected = sum(
        sum(1 for a in s.attributions if not hasattr(a, "tokens"))
        + len(s.forecasts)
        + sum(len(g.heatmaps) for g in s.states)
        + len(s.alignments)
        for s in report.samples
    )
    assert len(specs) == expected
    assert page.count('class="fig ') == expected
    assert all("data" in spec and "layout" in spec for spec in specs)


def test_user_strings_are_text_never_markup(evil_page: str) -> None:
    structure = PageStructure(evil_page)
    for payload in PAYLOADS:
        assert payload in structure.visible_text  # shown, as text
    assert "<script>window.__pwned" not in evil_page
    assert "<img src=x" not in evil_page
    assert "<svg onload" not in evil_page
    executable = [text for kind, text in structure.scripts if kind is None]
    assert len(executable) == 1 and not any("__pwned" in text for text in executable)
    assert not any(name.startswith("on") for _, name, _ in structure.attributes)


def test_payloads_survive_inside_figure_specs(evil_page: str) -> None:
    structure = PageStructure(evil_page)
    specs = [json.loads(text) for kind, text in structure.scripts if kind == "application/json"]
    heat = full_report(n_samples=1, payloads=True).samples[0].attributions[0]
    assert specs[0]["data"][0]["y"] == unique_ticks(heat.y_ticks)


def test_tokens_are_coloured_by_sign_with_score_on_hover(page: str) -> None:
    report = full_report(n_samples=1)
    tokens = report.samples[0].attributions[1]
    for token, score in zip(tokens.tokens, tokens.scores, strict=True):
        colour = "178, 24, 43" if score > 0 else "33, 102, 172"
        assert f'style="background: rgba({colour}, ' in page
        assert f'data-score="attribution: {score:.4g}"' in page
        assert f">{token}</span>" in page


def test_empty_report_renders_placeholders() -> None:
    structure = PageStructure(render_html(ReportData(title="Empty", model_name="m")))
    assert "No samples were selected." in structure.visible_text
    assert "notes" not in structure.ids


def test_render_html_rejects_other_objects() -> None:
    with pytest.raises(RnnlensError, match="must be a rnnlens.report.ReportData, received dict"):
        render_html({})  # type: ignore[arg-type]


def test_report_of_20_samples_by_50_steps_by_25_features_stays_under_10_mb(tmp_path: Path) -> None:
    samples = []
    for index in range(20):
        samples.append(
            SampleSection(
                index=index,
                title=f"Sample {index}",
                attributions=(heatmap(25, 50, seed=index),),
                forecasts=(SeriesPlot("Forecast", np.arange(50), (Line("p", np.zeros(50)),)),),
                states=(lstm_states(16, 50, seed=index),),
            )
        )
    path = write_report(
        ReportData(title="Big", model_name="m", samples=tuple(samples)), tmp_path / "r.html"
    )
    size = path.stat().st_size
    assert size < 10 * 1024 * 1024, f"{size / 1e6:.1f} MB"


def test_write_report_is_atomic_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous report", encoding="utf-8")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("rnnlens._atomic.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(full_report(n_samples=1), target)
    assert target.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_write_report_refuses_missing_folders_and_unwritable_paths(tmp_path: Path) -> None:
    path = write_report(full_report(n_samples=1), tmp_path / "r.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputError, match="does not exist"):  # folders are not created silently
        write_report(full_report(n_samples=1), tmp_path / "a" / "b" / "r.html")
    assert not (tmp_path / "a").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        write_report(full_report(n_samples=1), blocker / "r.html")
    with pytest.raises(OutputError, match="must be a file path"):
        write_report(full_report(n_samples=1), 42)  # type: ignore[arg-type]


def test_gate_heatmaps_are_folded_away_by_default(page: str) -> None:
    """Every unit's gate and state maps are long: each sample's states sit in a closed <details>."""
    structure = PageStructure(page)
    states = [i for i in structure.ids if i.startswith("states-")]
    assert states and page.count('<details class="folded-section">') >= len(states)
    assert '<details class="folded-section" open' not in page
