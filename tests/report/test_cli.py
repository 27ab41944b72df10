"""`rnnlens explain` through typer's runner, plus one real subprocess run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app
from rnnlens.cli.explain import parse_samples
from rnnlens.errors import OptionError
from tests.helpers import random_series, random_tokens, small_forecaster, small_sentiment
from tests.report.page_parser import PageStructure

runner = CliRunner()
EVIL_TOKENS = ("<script>window.__pwned=1</script>", "<img/src=x/onerror=window.__pwned=2>")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("explain")
    small_forecaster().save(folder / "forecaster.keras")
    np.save(folder / "series.npy", random_series(4))
    small_sentiment().save(folder / "sentiment.keras")
    vocab = ["", "[UNK]", *EVIL_TOKENS, *(f"w{i}" for i in range(46))]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    ids = random_tokens(3, 20, 50, seed=5)
    ids[:, :2] = [2, 3]  # every line starts with the two payload tokens
    lines = [" ".join(vocab[i] for i in row) for row in ids]
    (folder / "reviews.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"folder": folder}


def test_explain_writes_the_report(files: dict[str, Path]) -> None:
    folder = files["folder"]
    out = folder / "forecast.html"
    result = runner.invoke(
        app,
        [
            "explain",
            str(folder / "forecaster.keras"),
            str(folder / "series.npy"),
            "-o",
            str(out),
            "--samples",
            "0,2-3",
            "--steps",
            "8",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output.replace("\n", "")
    ids = set(PageStructure(out.read_text(encoding="utf-8")).ids)
    assert {"sample-0", "sample-2", "sample-3", "forecast-3", "states-0"} <= ids
    assert "sample-1" not in ids


def test_explain_token_model_with_vocabulary(files: dict[str, Path]) -> None:
    folder = files["folder"]
    out = folder / "reviews.html"
    result = runner.invoke(
        app,
        [
            "explain",
            str(folder / "sentiment.keras"),
            str(folder / "reviews.txt"),
            "--vocab",
            str(folder / "vocab.txt"),
            "-o",
            str(out),
            "--method",
            "saliency",
            "--no-states",
        ],
    )
    assert result.exit_code == 0, result.output
    page = PageStructure(out.read_text(encoding="utf-8"))
    for token in EVIL_TOKENS:
        assert token in page.visible_text
    assert not any("__pwned" in text for kind, text in page.scripts if kind is None)
    assert "states-0" not in page.ids


def test_bad_sample_index_is_one_line_and_writes_nothing(files: dict[str, Path]) -> None:
    folder = files["folder"]
    out = folder / "never.html"
    result = runner.invoke(
        app,
        [
            "explain",
            str(folder / "forecaster.keras"),
            str(folder / "series.npy"),
            "-o",
            str(out),
            "-s",
            "9",
        ],
    )
    assert result.exit_code == 1
    assert "Sample index 9 is out of range" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unknown_method_is_one_line(files: dict[str, Path]) -> None:
    folder = files["folder"]
    result = runner.invoke(
        app,
        ["explain", str(folder / "forecaster.keras"), str(folder / "series.npy"), "-m", "magic"],
    )
    assert result.exit_code == 1
    assert "magic" in result.output and "Traceback" not in result.output


def test_parse_samples() -> None:
    assert parse_samples("") is None
    assert parse_samples("0, 3,10-12,-1") == [0, 3, 10, 11, 12, -1]
    for bad in ("a", "3-1", "1-"):
        with pytest.raises(OptionError, match="--samples must list indices"):
            parse_samples(bad)


def test_explain_in_a_real_subprocess(files: dict[str, Path]) -> None:
    folder = files["folder"]
    out = folder / "subprocess.html"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnnlens",
            "explain",
            str(folder / "forecaster.keras"),
            str(folder / "series.npy"),
            "-o",
            str(out),
            "-n",
            "1",
            "--steps",
            "4",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".subprocess.html")]


def test_parse_samples_refuses_a_range_too_long_to_report() -> None:
    assert len(parse_samples("0-999") or []) == 1000
    with pytest.raises(OptionError, match="lists 1000000000001 samples"):
        parse_samples("0-1000000000000")  # would have built a list of 10^12 indices


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-samples", "0"], "`max_samples` must be an integer >= 1"),
        (["--samples", "99"], "out of range"),
        (["--samples", "1-0"], "could not read '1-0'"),
    ],
)
def test_explain_bad_sample_options_are_one_line(
    files: dict[str, Path], args: list[str], message: str
) -> None:
    folder = files["folder"]
    out = folder / "bad-samples.html"
    result = runner.invoke(
        app,
        [
            "explain",
            str(folder / "forecaster.keras"),
            str(folder / "series.npy"),
            "-o",
            str(out),
            *args,
        ],
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
