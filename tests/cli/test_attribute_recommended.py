"""``rnnlens attribute`` with ``--background`` and no ``--method`` runs the recommended explanation, and
``--baseline opposite-class`` builds the opposite-class reference from the background (#12 item 4)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recommended")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((6, 3)), keras.layers.LSTM(4), keras.layers.Dense(3, activation="softmax")]
    )
    model.save(folder / "model.keras")
    data = np.random.default_rng(0).normal(size=(40, 6, 3)).astype("float32")
    np.save(folder / "x.npy", data[:3])
    np.save(folder / "background.npy", data)
    return folder


def _run(files, *extra: str):
    args = ["attribute", str(files / "model.keras"), str(files / "x.npy"), "--target", "predicted"]
    result = runner.invoke(app, [*args, *extra, "--no-faithfulness"])
    assert result.exit_code == 0, result.output
    return result.output


def test_background_without_method_runs_the_recommended_explanation(files):
    output = _run(files, "--background", str(files / "background.npy"))
    assert "integrated_gradients" in output and "opposite class" in output


def test_opposite_class_baseline_flag(files):
    output = _run(
        files,
        "--method",
        "ig",
        "--baseline",
        "opposite-class",
        "--background",
        str(files / "background.npy"),
    )
    assert "integrated_gradients" in output and "baseline opposite-class" in output


def test_opposite_class_baseline_needs_reference_data(files):
    args = ["attribute", str(files / "model.keras"), str(files / "x.npy"), "--target", "predicted"]
    result = runner.invoke(app, [*args, "--method", "ig", "--baseline", "opposite-class"])
    assert result.exit_code == 1
    assert "--background" in result.output and "Traceback" not in result.output
