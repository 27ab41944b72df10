"""The fleet page (``rnnlens explain --from OUT``): the fleet's numbers, escaped ids, no links, no scripts run.

The fleet is written by hand through :class:`FleetStore` (no model needed), so every number on the page can be
checked against NumPy on the same arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.errors import DataError, OptionError
from rnnlens.fleet.chunks import plan_fleet_chunks
from rnnlens.fleet.schema import fleet_schema
from rnnlens.fleet.store import FleetStore
from rnnlens.fleet.summary import summarize
from rnnlens.report.fleet import fleet_page, read_fleet_summary, render_fleet_html
from tests.report.builders import PAYLOADS
from tests.report.page_parser import PageStructure

N, T, F, CHUNK = 12, 5, 3, 5
FEATURES = ("temperature", "pressure", "vibration")
EVIL_ID = "engine-" + " ".join(PAYLOADS)


def _attributions(seed: int = 0) -> np.ndarray:
    """``(N, T, F)`` attributions; feature 0 matters most, feature 2 least."""
    scale = np.array([3.0, 1.0, 0.2])
    return (np.random.default_rng(seed).normal(size=(N, T, F)) * scale).astype(np.float32)


def write_fleet(out: Path, *, rows: int = N, evil: bool = True) -> np.ndarray:
    """A finished (or, with ``rows < N``, unfinished) fleet run in ``out``; returns the attributions."""
    import pyarrow as pa

    values = _attributions()
    ids = [EVIL_ID if evil and i == 3 else f"engine-{i}" for i in range(N)]
    run = {
        "model": "/models/engines.keras",
        "data": "/data/fleet.parquet",
        "n_sequences": N,
        "chunk_size": CHUNK,
        "feature_names": list(FEATURES),
        "tasks": ["predict", "attribute"],
        "options": {"method": "integrated_gradients", "background": None},
    }
    store = FleetStore(out, "fingerprint", run=run)
    schema = fleet_schema(["predict", "attribute"], id_type="string")
    for spec in plan_fleet_chunks(N, CHUNK):
        span = range(spec.start, min(spec.stop, rows))
        if not span:
            continue
        gap = [0.5 if i == 3 else 0.001 * i for i in span]  # sequence 3 is the worst explained
        table = {
            "id": [ids[i] for i in span],
            "chunk": [spec.index] * len(span),
            "position": list(span),
            "prediction": ["failing" if i % 3 == 0 else "healthy" for i in span],
            "score": [0.9] * len(span),
            "attribution_per_feature": [values[i].sum(axis=0) for i in span],
            "attribution_per_step": [values[i].sum(axis=1) for i in span],
            "top_contributions": [
                [
                    {
                        "step": 4,
                        "feature": f"{FEATURES[0]}{' ' + PAYLOADS[0] if evil else ''}",
                        "value": 1.5,
                    }
                ]
                for _ in span
            ],
            "output": [1.0] * len(span),
            "baseline_output": [0.0] * len(span),
            "completeness_gap": gap,
            "relative_gap": gap,
            "faithfulness": [0.1 * i - 0.5 for i in span],
        }
        store.write(spec, pa.table(table, schema=schema))
    return values


@pytest.fixture(scope="module")
def fleet_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    out = tmp_path_factory.mktemp("fleet") / "out"
    values = write_fleet(out)
    summarize(out)
    return out, values


@pytest.fixture(scope="module")
def page(fleet_out: tuple[Path, np.ndarray]) -> str:
    out, _ = fleet_out
    return render_fleet_html(fleet_page(read_fleet_summary(out), out=out))


def _specs(page: str) -> dict[str, dict]:
    structure = PageStructure(page)
    ids = [i for i in structure.ids if i.endswith("-spec")]
    specs = [json.loads(t) for kind, t in structure.scripts if kind == "application/json"]
    return dict(zip(ids, specs, strict=True))


def test_importance_is_the_fleet_mean_of_abs_attribution_with_a_95_percent_interval(
    page, fleet_out
):
    _, values = fleet_out
    specs = _specs(page)
    for key, totals, names in (
        ("importance-features", np.abs(values.sum(axis=1)), FEATURES),
        ("importance-steps", np.abs(values.sum(axis=2)), None),
    ):
        trace = specs[f"fig-{key}-0-spec"]["data"][0]
        mean = totals.mean(axis=0)
        half = 1.959964 * totals.std(axis=0, ddof=1) / np.sqrt(N)
        order = np.argsort(-mean) if names else np.arange(len(mean))
        np.testing.assert_allclose(trace["y"], mean[order], rtol=1e-5)
        np.testing.assert_allclose(trace["error_y"]["array"], half[order], rtol=1e-4)
        np.testing.assert_allclose(trace["error_y"]["arrayminus"], half[order], rtol=1e-4)
        if names:
            assert trace["type"] == "bar"
            assert (
                trace["x"] == [names[i] for i in order] == ["temperature", "pressure", "vibration"]
            )
        else:
            assert trace["type"] == "scatter" and trace["x"] == list(range(T))


def test_predictions_and_worst_explained_sequences(page: str) -> None:
    specs = _specs(page)
    bars = specs["fig-predictions-0-spec"]["data"][0]
    assert dict(zip(bars["x"], bars["y"], strict=True)) == {"failing": 4, "healthy": 8}
    text = PageStructure(page).visible_text
    assert "Largest completeness gap" in text and "Lowest faithfulness" in text
    by_gap = text.split("Largest completeness gap")[1].split("Lowest faithfulness")[0]
    # the worst-gap sequence comes first, shown literally, with its prediction from its part
    assert by_gap.split("top contribution")[1].lstrip().startswith(EVIL_ID + "30.5failing")
    assert "temperature" in text and "at step 4: 1.5" in text


def test_ids_and_names_are_escaped_and_the_page_has_no_links(page: str) -> None:
    structure = PageStructure(page)
    assert EVIL_ID in structure.visible_text  # shown as text ...
    executable = [text for kind, text in structure.scripts if kind is None]
    assert len(executable) == 1  # ... and no injected <script> (only the figure loader)
    names = {name for _, name, _ in structure.attributes}
    assert not names & {"onerror", "onload", "href", "src"}
    assert "window.__pwned" not in "".join(executable)
    assert "<img src=x" not in page and "</script><script>window" not in page


def test_an_unfinished_run_is_summarized_from_its_parts_and_flagged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_fleet(out, rows=7, evil=False)  # chunk 0 and part of chunk 1; no _summary.json yet
    summary = read_fleet_summary(out)
    assert summary.n_sequences == 7
    assert not (out / "_summary.json").exists()  # rendering never writes into OUT
    page = fleet_page(summary, out=out)
    assert any("7 of 12 sequences" in alert for alert in page.alerts)


def test_explain_from_writes_the_page_and_refuses_sample_options(fleet_out, tmp_path: Path) -> None:
    from rnnlens.cli.app import app

    out, _ = fleet_out
    runner = CliRunner()
    html = tmp_path / "fleet.html"
    result = runner.invoke(
        app, ["explain", "--from", str(out), "-o", str(html), "--title", "Fleet A"]
    )
    assert result.exit_code == 0, result.output
    assert "<title>Fleet A</title>" in html.read_text()
    refused = runner.invoke(
        app, ["explain", "--from", str(out), "-o", str(html), "--method", "saliency"]
    )
    assert refused.exit_code == 1 and "--method" in refused.output
    missing = runner.invoke(app, ["explain", "-o", str(html)])
    assert missing.exit_code == 1 and "MODEL and DATA" in missing.output


def test_report_api_takes_a_fleet(fleet_out, tmp_path: Path) -> None:
    out, _ = fleet_out
    written = rnnlens.report(path=tmp_path / "fleet.html", fleet=out)
    assert "Importance per feature" in written.read_text()
    with pytest.raises(OptionError, match="max_samples"):
        rnnlens.report(path=tmp_path / "fleet.html", fleet=out, max_samples=3)
    with pytest.raises(DataError, match="not a folder"):
        rnnlens.report(path=tmp_path / "fleet.html", fleet=tmp_path / "missing")


@pytest.mark.browser
def test_the_page_draws_in_a_browser_and_runs_no_injected_code(probe, fleet_out, tmp_path) -> None:
    from rnnlens.report.fleet import write_fleet_report

    out, _ = fleet_out
    probe.open(write_fleet_report(out, tmp_path / "fleet.html")).draw_all()
    assert probe.problems == []
    assert probe.page.evaluate("() => window.__pwned === undefined")
    assert probe.page.locator("div.fig .main-svg").count() >= 3
    assert probe.page.locator("div.fig[data-error]").count() == 0
    assert all(url.startswith("file://") for url in probe.requests), probe.requests
