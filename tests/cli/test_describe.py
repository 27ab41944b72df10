"""`rnnlens describe` through typer's runner, plus one real subprocess run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile

import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app
from tests.helpers import small_translator

runner = CliRunner()


@pytest.fixture(scope="module")
def translator_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "translator.keras"
    small_translator().save(path)
    return path


def test_describe_prints_the_facts(translator_path):
    result = runner.invoke(app, ["describe", str(translator_path)])
    assert result.exit_code == 0, result.output
    assert "encoder-decoder" in result.output
    assert "classes=20" in result.output


def test_describe_json(translator_path):
    result = runner.invoke(app, ["describe", str(translator_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outputs"][0]["axes"] == ["batch", "time", "classes"]
    assert data["pattern"] == "encoder-decoder"


def test_bad_file_gives_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "broken.keras"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("x", "y")
    result = runner.invoke(app, ["describe", str(bad)])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path):
    result = runner.invoke(app, ["--debug", "describe", str(tmp_path / "missing.keras")])
    assert result.exit_code != 0
    assert result.exception is not None
    assert "does not exist" in str(result.exception)


def test_real_subprocess_and_fast_help(translator_path):
    start = time.perf_counter()
    helped = subprocess.run(
        [sys.executable, "-m", "rnnlens", "--help"], capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - start
    assert "describe" in helped.stdout
    # Not a benchmark: a generous bound that only fails if --help imports a deep-learning framework.
    assert elapsed < 5.0
    result = subprocess.run(
        [sys.executable, "-m", "rnnlens", "describe", str(translator_path), "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outputs"][0]["name"] == "next_token"


def test_import_does_not_pull_in_frameworks():
    code = (
        "import sys, rnnlens, rnnlens.cli.app; "
        "bad = [m for m in ('tensorflow', 'jax', 'torch', 'keras', 'plotly') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def logit_model_path(tmp_path_factory):
    """LSTM -> linear Dense(5) trained with SparseCategoricalCrossentropy(from_logits=True), saved as .h5."""
    import keras

    x = keras.Input((4, 2))
    y = keras.layers.Dense(5, name="scores")(keras.layers.LSTM(3, name="lstm")(x))
    model = keras.Model(x, y)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    path = tmp_path_factory.mktemp("cli") / "logits.h5"
    model.save(path)
    return path


def test_describe_reads_a_saved_from_logits_loss(logit_model_path):
    result = runner.invoke(app, ["describe", str(logit_model_path)])
    assert result.exit_code == 0, result.output
    assert "Values: logits" in result.output
    assert "classes=5" in result.output
    assert "units of the training target" not in result.output
    assert "Warning" not in result.output
    data = json.loads(runner.invoke(app, ["describe", str(logit_model_path), "--json"]).output)
    out = data["outputs"][0]
    assert out["from_logits"] is True
    assert out["axes"] == ["batch", "classes"]
    assert out["head"]["meaning"] == "logits"
    assert out["warnings"] == []


def test_describe_attaches_layer_facts_to_the_layer(logit_model_path):
    expected = "The LSTM layer 'lstm' (feeding the head) returns only its last step"
    text = runner.invoke(app, ["describe", str(logit_model_path)]).output
    assert expected in text
    assert "this output equals state_h" not in text
    facts = json.loads(runner.invoke(app, ["describe", str(logit_model_path), "--json"]).output)[
        "outputs"
    ][0]["facts"]
    assert any(fact.startswith(expected) and "equals its state_h" in fact for fact in facts)
