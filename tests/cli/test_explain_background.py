"""`rnnlens explain --background`: the background reaches the attribution, the page and the printed notes
show the baseline it gave, and weak explanations are flagged in both."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.cli.app import app
from tests.helpers import random_series, small_forecaster

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("explain-background")
    small_forecaster().save(folder / "forecaster.keras")
    series = random_series(2)
    series[0] = 0.5  # constant in time: the background's per-feature mean equals this sample
    np.save(folder / "series.npy", series)
    np.save(folder / "background.npy", np.repeat(series[:1], 4, axis=0))
    return {
        "model": folder / "forecaster.keras",
        "data": folder / "series.npy",
        "background": folder / "background.npy",
        "folder": folder,
    }


def explain(files: dict[str, Path], name: str, *flags: str) -> tuple[str, str]:
    """Run `rnnlens explain` and return (its output, the page's unescaped HTML)."""
    out = files["folder"] / f"{name}.html"
    result = runner.invoke(
        app,
        ["explain", str(files["model"]), str(files["data"]), "-o", str(out), "--no-states", *flags],
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split()), html.unescape(out.read_text(encoding="utf-8"))


def checks(page: str, index: int) -> str:
    found = re.search(rf'<section id="checks-{index}".*?</section>', page, re.S)
    assert found is not None
    return found.group(0)


def test_the_background_changes_the_baseline_and_flags_what_it_leaves_to_explain(
    files: dict[str, Path],
) -> None:
    plain, plain_page = explain(files, "zeros", "--method", "ig", "--steps", "8")
    assert "Diagnostics for series: integrated_gradients, baseline zeros" in plain
    assert "Note: No `background` given" in plain and "--background FILE" in plain
    assert "<dt>baseline</dt><dd>zeros</dd>" in checks(plain_page, 0)
    assert "zero sequence is rarely 'no signal'" in plain_page

    text, page = explain(
        files, "mean", "--method", "ig", "--steps", "8", "--background", str(files["background"])
    )
    assert "baseline the background's per-feature mean" in text
    assert "Note: No `background`" not in text
    # Sample 0 equals the background's mean: nothing to explain at any of its 10 steps.
    assert "weak rows: 10 of 20" in text
    assert "sample 0 step 0: uninformative baseline" in text
    assert "<dt>baseline</dt><dd>the background's per-feature mean</dd>" in checks(page, 0)
    assert "Weak explanation" in checks(page, 0) and "uninformative baseline" in checks(page, 0)
    assert "No check failed" in checks(page, 1) and "Weak explanation" not in checks(page, 1)


def test_without_a_method_the_background_gives_the_recommended_explanation(
    files: dict[str, Path],
) -> None:
    text, page = explain(files, "recommended", "--background", str(files["background"]))
    model = rnnlens.load_model(files["model"])
    expected = rnnlens.attribute(
        model,
        np.load(files["data"]),
        target=rnnlens.Target(time="all", unit=0),
        background=np.load(files["background"]),
        faithfulness=False,
    )
    assert (
        f"Diagnostics for series: {expected.method}, baseline {expected.options['baseline']}"
        in text
    )
    assert f"<dt>method</dt><dd>{expected.method}</dd>" in checks(page, 1)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("--method", "saliency"), "--background"),
        (("--no-attribution",), "--no-attribution"),
    ],
)
def test_a_background_that_cannot_be_used_is_one_line(
    files: dict[str, Path], flags: tuple[str, ...], expected: str
) -> None:
    out = files["folder"] / "refused.html"
    result = runner.invoke(
        app,
        [
            "explain",
            str(files["model"]),
            str(files["data"]),
            "-o",
            str(out),
            "--background",
            str(files["background"]),
            *flags,
        ],
    )
    assert result.exit_code != 0
    assert result.output.startswith("Error:") and expected in result.output
    assert "Traceback" not in result.output and not out.exists()
