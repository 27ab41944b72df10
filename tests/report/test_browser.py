"""The report in a real browser (headless Chromium): it loads cleanly, shows every section, hover shows
values, and injected markup runs nothing."""

from __future__ import annotations

from pathlib import Path

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
