"""#13 item 8: `explain` takes the flags `predict` and `attribute` have, with one meaning in both, and
`attribute` takes `--samples`; item 9: what is written is named with its size."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.cli._progress import human_size
from rnnlens.cli.app import app
from tests.helpers import random_series, small_forecaster

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("explain-flags")
    small_forecaster().save(folder / "forecaster.keras")
    series = random_series(4, 10, 1, seed=3)
    np.save(folder / "series.npy", series)
    np.save(folder / "baselines.npy", series[::-1] * 0.5)  # one baseline per sample of DATA
    return {"folder": folder, "model": folder / "forecaster.keras", "data": folder / "series.npy"}


def invoke(*args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def one_error(result: Any, *fragments: str) -> None:
    """Exit 1 and one `Error:` line that says what was wrong."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    text = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in text, text


def test_explain_target_and_mean_baseline_reach_the_attribution(files: dict[str, Path]) -> None:
    out = files["folder"] / "mean.html"
    result = invoke(
        "explain", files["model"], files["data"], "-o", out, "-s", "1", "--no-states",
        "--no-faithfulness", "-m", "ig", "--steps", "8", "--target", "3,0", "--baseline", "mean",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "baseline mean (--baseline)" in text
    model = keras.models.load_model(files["model"])
    series = np.load(files["data"])
    mean = np.broadcast_to(series.mean(axis=(0, 1)), series[:1].shape)
    f_baseline = float(model.predict(mean, verbose=0)[0, 3, 0])
    f_x = float(model.predict(series[1:2], verbose=0)[0, 3, 0])
    assert f"F(x) {f_x:.4g}; F(b) {f_baseline:.4g}" in text
    page = out.read_text(encoding="utf-8")
    assert "t=3" in page or "step 3" in page or "3, 0" in page


def test_explain_passes_the_reading_flags_to_the_report(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rnnlens.report.collect as collect

    seen: dict[str, Any] = {}
    real = collect.collect_report

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(collect, "collect_report", spy)
    result = invoke(
        "explain", files["model"], files["data"], "-o", files["folder"] / "scaled.html",
        "-n", "1", "--no-states", "--no-attribution", "--scaler", "2,0.5", "--target-offset", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert seen["decode_options"] == {"scaler": (2.0, 0.5), "target_offset": 1}


def test_explain_per_sample_baselines_follow_the_chosen_samples(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rnnlens.report.collect as collect

    seen: dict[str, Any] = {}
    real = collect.collect_report
    monkeypatch.setattr(collect, "collect_report", lambda *a, **k: seen.update(k) or real(*a, **k))
    result = invoke(
        "explain", files["model"], files["data"], "-o", files["folder"] / "file.html",
        "-s", "2,0", "--no-states", "--no-faithfulness", "-m", "ig", "--steps", "4",
        "--baseline", files["folder"] / "baselines.npy",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    baselines = np.load(files["folder"] / "baselines.npy")
    np.testing.assert_array_equal(seen["method_options"]["baselines"], baselines[[2, 0]])


@pytest.mark.parametrize(
    ("flags", "fragments"),
    [
        (("--no-attribution", "--target", "1"), ("--target", "--no-attribution")),
        (("--threshold", "abc"), ("--threshold must be a number",)),
        (("--scaler", "abc"), ("--scaler must be `MEAN,STD`",)),
        (("--target", "1,2,3"), ("--target takes at most two",)),
        (("-m", "saliency", "--baseline", "mean"), ("--baseline does not apply to saliency",)),
        (("-m", "ig", "--reference", "x.npy"), ("--reference is the data behind",)),
        (("-m", "ig", "--target", "99,0"), ("On the command line: --target K",)),
    ],
)
def test_explain_refuses_flag_mistakes_in_one_line(
    files: dict[str, Path], flags: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    out = files["folder"] / "refused.html"
    result = invoke(
        "explain", files["model"], files["data"], "-o", out, "-n", "1", "--no-states",
        "--no-faithfulness", "--steps", "4", *flags,
    )  # fmt: skip
    one_error(result, *fragments)
    assert not out.exists()


def test_attribute_samples_explains_only_those_rows(files: dict[str, Path]) -> None:
    out = files["folder"] / "rows.npz"
    result = invoke(
        "attribute", files["model"], files["data"], "-m", "ig", "--steps", "8", "-t", "6,0",
        "--samples", "3,1", "--baseline", files["folder"] / "baselines.npy", "--top", "0",
        "--no-faithfulness", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    series = np.load(files["data"])
    baselines = np.load(files["folder"] / "baselines.npy")
    expected = rnnlens.attribute(
        rnnlens.load_model(files["model"]),
        series[[3, 1]],
        method="ig",
        target=(6, 0),
        baselines=baselines[[3, 1]],
        n_steps=8,
        faithfulness=False,
    )
    with np.load(out) as saved:
        values = saved["series/values"]
    np.testing.assert_allclose(values, expected.values, rtol=1e-5, atol=1e-7)
    size = human_size(out.stat().st_size)
    assert f"({size})" in result.output.replace("\n", "") and "Wrote" in result.output


def test_attribute_samples_out_of_range_is_one_error(files: dict[str, Path]) -> None:
    one_error(
        invoke(
            "attribute", files["model"], files["data"], "-m", "saliency", "-t", "1,0", "-s", "9"
        ),
        "out of range",
    )
    one_error(
        invoke("attribute", files["model"], files["data"], "-m", "saliency", "-s", "a"),
        "--samples must list indices",
    )


def test_trace_names_the_file_and_its_size(files: dict[str, Path]) -> None:
    out = files["folder"] / "trace.npz"
    result = invoke("trace", files["model"], files["data"], "-o", out)
    assert result.exit_code == 0, result.output
    line = result.output.replace("\n", "")
    found = re.search(r"Wrote (.*trace\.npz) \((.*?)\)", line)
    assert found is not None, line
    assert found.group(2) == human_size(out.stat().st_size)
