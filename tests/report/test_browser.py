"""The report in a real browser (headless Chromium): it loads cleanly, shows every section, hover shows
values, and injected markup runs nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from rnnlens.report import write_report
from tests.report.builders import PAYLOADS, full_report
from tests.report.conftest import PageProbe

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(full_report(n_samples=2), tmp_path_factory.mktemp("page") / "report.html")


@pytest.fixture(scope="module")
def evil_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = full_report(n_samples=1, payloads=True)
    return write_report(report, tmp_path_factory.mktemp("evil") / "report.html")


def hover_cell(probe: PageProbe, figure: str, row: int, col: int, shape: tuple[int, int]) -> str:
    """Move the mouse to the centre of cell (row, col) of a heatmap and return plotly's hover label."""
    page = probe.page
    div = page.locator(figure)
    # Folded sections (gate heatmaps) are opened as a reader would, by their <details>.
    div.evaluate(
        "el => { for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }"
    )
    div.scroll_into_view_if_needed()
    expect(div).to_have_attribute("data-ready", "1")
    box = div.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    rows, cols = shape
    page.mouse.move(
        box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows
    )
    label = div.locator(".hoverlayer .hovertext")
    expect(label).to_have_count(1)
    return str(label.text_content())


def test_page_loads_without_console_errors_or_network(probe: PageProbe, report_file: Path) -> None:
    probe.open(report_file).draw_all()
    assert probe.problems == []
    assert all(url.startswith("file://") for url in probe.requests), probe.requests
    drawn = probe.page.locator("div.fig .main-svg").count()
    assert drawn >= probe.page.locator("div.fig").count() > 0


def test_every_section_is_present_and_visible(probe: PageProbe, report_file: Path) -> None:
    page = probe.open(report_file).page
    for section in ("#toc", "#anatomy", "#predictions", "#samples", "#notes"):
        assert page.locator(section).is_visible(), section
    for index in (0, 3):
        for section in ("sample", "attribution", "forecast", "states", "alignment"):
            assert page.locator(f"#{section}-{index}").count() == 1, f"{section}-{index}"
    assert page.locator("#anatomy article.card").count() == 1
    assert page.locator("#predictions tbody tr").count() == 2
    page.click("#predictions tbody tr >> nth=1 >> a")
    assert page.evaluate("location.hash") == "#sample-3"


def test_figures_are_drawn_lazily_when_scrolled_to(probe: PageProbe, report_file: Path) -> None:
    page = probe.open(report_file).page
    last = page.locator("div.fig").last
    assert last.get_attribute("data-drawn") is None
    last.scroll_into_view_if_needed()
    expect(last).to_have_attribute("data-ready", "1")
    assert last.locator(".main-svg").count() > 0


def test_hovering_a_heatmap_cell_shows_its_value(probe: PageProbe, report_file: Path) -> None:
    probe.open(report_file)
    heat = full_report(n_samples=2).samples[1].attributions[0]
    for row, col in ((0, 0), (2, 4)):
        text = hover_cell(probe, "#attribution-3 div.fig", row, col, heat.values.shape)
        assert f"attribution: {heat.values[row, col]:.4g}" in text
        assert f"time step: {heat.x_ticks[col]}" in text
        assert f"feature: {heat.y_ticks[row]}" in text


def test_hovering_a_gate_heatmap_shows_its_value(probe: PageProbe, report_file: Path) -> None:
    probe.open(report_file)
    forget = full_report(n_samples=2).samples[0].states[0].heatmaps[3]
    assert forget.title == "forget gate"
    text = hover_cell(probe, "#states-0 div.fig >> nth=3", 1, 2, forget.values.shape)
    assert f"forget gate: {forget.values[1, 2]:.4g}" in text


def test_injected_markup_is_shown_as_text_and_runs_nothing(
    probe: PageProbe, evil_file: Path
) -> None:
    probe.open(evil_file).draw_all()
    page = probe.page
    heat = full_report(n_samples=1, payloads=True).samples[0].attributions[0]
    hover = hover_cell(probe, "#attribution-0 div.fig", 1, 1, heat.values.shape)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert probe.dialogs == []
    assert probe.problems == []
    body = page.inner_text("body")
    for payload in PAYLOADS:
        assert payload in body
    assert PAYLOADS[0] in hover  # the feature name in the hover label is literal text too
    assert page.locator("main img, main svg[onload]").count() == 0
    tick_text = page.locator("#attribution-0 .ytick text").first.text_content() or ""
    assert tick_text.startswith(
        "feature 0</scr"
    )  # long names are shortened on the axis, never parsed


@pytest.fixture(scope="module")
def model_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A report of a real (tiny) translator, with a vocabulary full of script payloads."""
    from rnnlens.report import collect_report, write_report
    from tests.helpers import random_tokens, small_translator

    model = small_translator()
    source, target = random_tokens(2, 6, 20, seed=7), random_tokens(2, 5, 20, seed=8)
    source[:, 0] = 1  # token 1 carries a payload in every sample
    vocab = ("<pad>", PAYLOADS[0], PAYLOADS[1], *(f"t{i}" for i in range(3, 20)))
    report = collect_report(model, [source, target], vocab=vocab, method="saliency")
    return write_report(report, tmp_path_factory.mktemp("model") / "translator.html"), report


def test_model_report_renders_cleanly_and_hover_shows_traced_values(
    probe: PageProbe, model_report: tuple[Path, Any]
) -> None:
    path, report = model_report
    probe.open(path).draw_all()
    assert probe.problems == []
    page = probe.page
    for section in (
        "anatomy",
        "predictions",
        "sample-0",
        "attribution-0",
        "states-0",
        "alignment-0",
    ):
        assert page.locator(f"#{section}").count() == 1, section
    hidden = report.samples[0].states[1].heatmaps[0]  # decoder_gru hidden state
    text = hover_cell(
        probe, "#states-0 .state-group >> nth=1 >> div.fig >> nth=0", 3, 2, hidden.values.shape
    )
    assert f"hidden state h: {hidden.values[3, 2]:.4g}" in text
    alignment = report.samples[0].alignments[0]
    text = hover_cell(probe, "#alignment-0 div.fig", 4, 0, alignment.values.shape)
    # the label names the attribution's units: "attribution (probability of ...): value"
    assert re.search(r"attribution( \(.*\))?: " + re.escape(f"{alignment.values[4, 0]:.4g}"), text)
    assert PAYLOADS[0] in text  # encoder token 0 is the payload, shown literally
    assert page.evaluate("window.__pwned") is None and probe.dialogs == []
