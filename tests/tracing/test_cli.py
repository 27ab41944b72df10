"""``rnnlens trace MODEL DATA -o FILE`` through typer's runner, plus one real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.cli.app import app
from tests.helpers import random_tokens, small_translator
from tests.tracing.conftest import build_bidirectional, padded_series

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    model = build_bidirectional()
    model.save(root / "model.keras")
    x = padded_series()
    np.save(root / "x.npy", x)
    np.savez(root / "x.npz", x=x)
    translator = small_translator()
    translator.save(root / "translator.keras")
    np.savez(
        root / "pair.npz",
        encoder_tokens=random_tokens(3, 6, 20, seed=1),
        decoder_tokens=random_tokens(3, 5, 20, seed=2),
    )
    return root, model, x


def _invoke(*args: str):
    return runner.invoke(app, ["trace", *map(str, args)])


@pytest.mark.parametrize(("data", "out"), [("x.npy", "t.npz"), ("x.npz", "t.h5")])
def test_trace_writes_a_loadable_file(files, data, out):
    root, model, x = files
    result = _invoke(root / "model.keras", root / data, "-o", root / out)
    assert result.exit_code == 0, result.output
    assert "bi.backward: LSTM, 5 x 6 steps x 3 units; backward" in result.output
    loaded = rnnlens.Trace.load(root / out)
    expected = rnnlens.trace(model, x)
    assert loaded.keys() == expected.keys()
    np.testing.assert_allclose(loaded["gru"].hidden, expected["gru"].hidden, atol=1e-6)


def test_layer_quantity_and_table_output(files):
    root, _, _ = files
    out = root / "t.parquet"
    result = _invoke(
        root / "model.keras", root / "x.npy", "-o", out, "--layer", "gru", "-q", "update_gate"
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert set(frame["layer"]) == {"gru"}
    assert set(frame["quantity"]) == {"hidden", "update_gate"}
    assert len(frame) == 2 * 5 * 6 * 2


def test_one_array_per_model_input(files):
    root, _, _ = files
    result = _invoke(root / "translator.keras", root / "pair.npz", "-o", root / "pair_trace.npz")
    assert result.exit_code == 0, result.output
    assert rnnlens.Trace.load(root / "pair_trace.npz").keys() == ["encoder_gru", "decoder_gru"]


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ("missing.npy", "-o", "t.npz"), "does not exist"),
        ("bad.npz", ("bad.npz", "-o", "t.npz"), "none is named 'x' or after a model input"),
        ("objects.npy", ("objects.npy", "-o", "t.npz"), "Could not read objects.npy"),
        (None, ("x.npy", "-o", "t.txt"), "must end in"),
        (None, ("x.npy", "-o", "t.npz", "--layer", "nope"), "no layer of that name"),
        ("nan.npy", ("nan.npy", "-o", "t.npz"), "NaN or inf"),
        *(
            (None, ("x.npy", "-o", "t.npz", "--memory-budget-mb", budget), "finite positive number")
            for budget in ("inf", "nan", "0", "-5")
        ),
        (None, ("x.npy", "-o", "t.npz", "--batch-size", "0"), "`batch_size` must be a positive"),
        (None, ("x.npy", "-o", "t.npz", "-q", "nope"), "Expected names among"),
    ],
)
def test_errors_are_one_line_and_exit_1(files, setup, args, message):
    root, _, x = files
    if setup == "bad.npz":
        np.savez(root / setup, y=x)
    elif setup == "objects.npy":
        np.save(root / setup, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif setup == "nan.npy":
        bad = np.array(x)
        bad[0, 0, 0] = np.nan
        np.save(root / setup, bad)
    result = _invoke(root / "model.keras", *[root / a if i == 0 else a for i, a in enumerate(args)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_real_subprocess(files):
    root, _, _ = files
    out = root / "sub.h5"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "rnnlens", "trace", "model.keras", "x.npy", "-o", str(out)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {out}" in done.stdout.replace("\n", "")
    assert rnnlens.Trace.load(out, mmap=True)["gru"].hidden.shape == (5, 6, 2)
