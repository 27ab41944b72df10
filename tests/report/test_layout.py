"""Layout in real Chromium (#13 item 6): every figure draws, nothing is clipped or overflows its card,
per-step labels are compact, long tables are folded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnlens.report import Heatmap, Line, ReportData, SampleSection, SeriesPlot, Table, write_report
from tests.report.builders import full_report
from tests.report.conftest import PageProbe
from tests.report.page_parser import PageStructure

pytestmark = pytest.mark.browser

LONG = (
    "Failure model · Integrated gradients · input sensors (summed over features), output step 29 · "
    "against the mean of the training data as the baseline, with the completeness gap and faithfulness "
    "checks shown beside it"
)
UNIT = "attribution (probability of 'fails within 30 cycles')"
STEPS = tuple(f"{t}: {'healthy' if t < 12 else 'fails within 30 cycles'}" for t in range(30))

# Elements (outside scrolling wrappers) sticking out of their card, and figure text outside its figure.
OVERFLOWING = """() => {
  const out = [];
  for (const box of document.querySelectorAll('.card, .sample, .diagnostics, section.block, .grid')) {
    const r = box.getBoundingClientRect();
    for (const el of box.querySelectorAll('*')) {
      const e = el.getBoundingClientRect();
      if (!e.width || !e.height) continue;
      let p = el.parentElement, scrolls = false;
      for (; p && p !== box; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') { scrolls = true; break; }
      }
      if (!scrolls && (e.right > r.right + 1 || e.left < r.left - 1)) out.push(el.tagName + ' ' + el.className);
    }
  }
  return out;
}"""
CLIPPED = """() => {
  const out = [];
  for (const div of document.querySelectorAll('div.fig')) {
    const r = div.getBoundingClientRect();
    for (const t of div.querySelectorAll('.gtitle, .xtitle, .ytitle, .xtick text, .ytick text, .cbtitle text')) {
      const b = t.getBoundingClientRect();
      if (b.width && (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1))
        out.push(div.id + ': ' + t.textContent);
    }
  }
  return out;
}"""


def crowded_report() -> ReportData:
    rng = np.random.default_rng(0)
    heat = Heatmap(
        title=LONG,
        values=rng.normal(size=(30, 30)),
        x_label="cycle",
        x_ticks=tuple(str(174 + t) for t in range(30)),
        y_label="output step",
        y_ticks=STEPS,
        value_label=UNIT,
    )
    series = SeriesPlot(
        title=LONG + " · forecast in original units",
        x=np.arange(30),
        lines=(Line("RUL", rng.normal(size=30)),),
    )
    table = Table(
        title="Per-step predictions",
        columns=("step", "probability", "label"),
        rows=tuple((str(t), f"{rng.uniform():.3f}", label) for t, label in enumerate(STEPS)),
    )
    sample = SampleSection(index=0, title="Engine 34", attributions=(heat,), forecasts=(series,))
    return ReportData(title="Crowded", model_name="m", predictions=(table,), samples=(sample,))


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("layout")
    return [
        write_report(crowded_report(), folder / "crowded.html"),
        write_report(full_report(n_samples=2), folder / "full.html"),
    ]


@pytest.mark.parametrize("which", [0, 1])
def test_every_figure_draws_and_nothing_is_clipped_or_overflows(
    probe: PageProbe, pages: list[Path], which: int
) -> None:
    page = probe.open(pages[which]).page
    probe.draw_all()
    figures = page.locator("div.fig")
    assert figures.count() > 0
    assert page.locator("div.fig svg.main-svg").count() >= figures.count()
    assert page.evaluate("document.querySelectorAll('div.fig:not(:has(svg.main-svg))').length") == 0
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate(CLIPPED) == []
    assert probe.problems == [] and probe.requests[1:] == []


def test_long_titles_wrap_and_steps_are_labelled_in_runs(
    probe: PageProbe, pages: list[Path]
) -> None:
    page = probe.open(pages[0]).page
    probe.draw_all()
    heat = page.locator("div.fig-heatmap").first
    title = heat.evaluate("d => d.layout.title.text")
    assert "<br>" in title and title.replace("<br>", " ") == LONG
    bar_title = heat.evaluate("d => d._fullData[0].colorbar.title.text")
    assert "<br>" in bar_title
    ticks = [t.strip() for t in heat.locator(".ytick text").all_text_contents()]
    assert ticks[:3] == ["0: healthy", "1", "2"]
    assert "12: fails within 30 cycl…" in ticks and "13" in ticks
    assert sum("healthy" in t or "fails" in t for t in ticks) == 2


def test_long_tables_show_ten_rows_and_unfold(probe: PageProbe, pages: list[Path]) -> None:
    page = probe.open(pages[0]).page
    rows = page.locator("#predictions table.data tbody tr")
    assert rows.count() == 30
    assert page.locator("#predictions table.data tbody tr:visible").count() == 10
    button = page.locator("#predictions button.fold")
    assert button.inner_text() == "Show all 30 rows"
    button.click()
    assert page.locator("#predictions table.data tbody tr:visible").count() == 30
    button.click()
    assert page.locator("#predictions table.data tbody tr:visible").count() == 10


def test_the_bundle_registers_every_trace_the_report_may_use(
    probe: PageProbe, pages: list[Path]
) -> None:
    page = probe.open(pages[1]).page
    probe.draw_all()
    traces = page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)")
    assert {"scatter", "heatmap", "bar", "waterfall"} <= set(traces)
    specs = [
        json.loads(text)
        for kind, text in PageStructure(pages[1].read_text()).scripts
        if kind == "application/json"
    ]
    assert {trace["type"] for spec in specs for trace in spec["data"]} <= set(traces)
    # A waterfall, which no built-in figure draws yet, renders too.
    page.evaluate(
        "() => Plotly.newPlot(document.querySelector('div.fig'), [{type: 'waterfall', x: ['a', 'b'],"
        " y: [1, -2], measure: ['relative', 'relative']}])"
    )
    assert page.locator("div.fig >> nth=0 >> .waterfalllayer .point").count() == 2
    assert probe.problems == []
