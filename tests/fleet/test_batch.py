"""``rnnlens.batch`` end to end: rows equal the library run directly, any worker count gives the same
bytes, a run killed with SIGKILL resumes to the same dataset, and bad input fails by name."""

from __future__ import annotations

import filecmp
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pyarrow.dataset as ds
import pytest
from typer.testing import CliRunner

import rnnlens
import rnnlens.fleet
from rnnlens.cli.app import app
from rnnlens.errors import OptionError, OutputError, TargetError, UnsupportedLayerError
from tests.fleet.conftest import RUN, N

runner = CliRunner()


def _parts(folder):
    return sorted(p.name for p in folder.glob("part-*.parquet"))


def _same_parts(left, right):
    names = _parts(left)
    assert names == _parts(right) and len(names) == N // RUN["chunk_size"]
    for name in names:
        assert filecmp.cmp(left / name, right / name, shallow=False), name


def test_rows_equal_attribute_and_decode_run_directly(fleet, reference):
    model = rnnlens.load_model(fleet["model"])
    table = ds.dataset(reference).to_table().to_pandas()
    assert table["position"].tolist() == list(range(N))  # sorted by chunk, then position
    size = RUN["chunk_size"]
    for chunk in (0, 3):
        x = fleet["x"][chunk * size : (chunk + 1) * size]
        rows = table[table["chunk"] == chunk]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = rnnlens.attribute(model, x, n_steps=8)
        np.testing.assert_allclose(
            np.stack(rows["attribution_per_feature"]), result.by_feature(), rtol=1e-6
        )
        np.testing.assert_allclose(
            np.stack(rows["attribution_per_step"]), result.by_time(), rtol=1e-6
        )
        np.testing.assert_allclose(rows["relative_gap"], result.relative_gap, rtol=1e-6)
        np.testing.assert_allclose(rows["faithfulness"], result.faithfulness, rtol=1e-6)
        np.testing.assert_allclose(rows["output"], result.outputs, rtol=1e-6)
        top = result.top_k(2, sample=1)
        assert [
            (c["step"], int(c["feature"])) for c in rows["top_contributions"].iloc[1][:2]
        ] == list(zip(top["time"], top["feature"], strict=True))
        decoded = rnnlens.decode(model, x).table
        assert rows["prediction"].tolist() == decoded["predicted"].astype(str).tolist()
        np.testing.assert_allclose(rows["score"], decoded["confidence"], rtol=1e-6)


def test_cli_with_two_workers_writes_the_same_bytes_and_resumes(fleet, reference, tmp_path):
    out = tmp_path / "cli"
    command = ["batch", str(fleet["model"]), str(fleet["npy"]), "-o", str(out), "--workers", "2"]
    command += ["--tasks", RUN["tasks"], "--steps", "8", "--chunk-size", str(RUN["chunk_size"])]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    _same_parts(reference, out)
    assert f"Wrote {N} rows to {out}" in result.output
    assert "Fleet importance (mean |attribution| per feature, 95% CI):" in result.output
    again = runner.invoke(app, command)
    assert again.exit_code == 0 and f"Resuming: {N} of {N} sequences already done" in again.output
    other = runner.invoke(app, [*command[:-2], "--chunk-size", "5"])
    assert (
        other.exit_code == 1 and "different run" in other.output and "--overwrite" in other.output
    )
    bad = runner.invoke(app, [*command[:5], "--tasks", "predict", "--target", "x,y,z"])
    assert bad.exit_code == 1 and "--target" in bad.output


def test_kill_9_then_rerun_gives_the_uninterrupted_dataset(fleet, reference, tmp_path):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "rnnlens", "batch", str(fleet["model"]), str(fleet["npy"])]
    command += ["-o", str(out), "--workers", "1", "--tasks", RUN["tasks"]]
    command += ["--steps", str(RUN["n_steps"]), "--chunk-size", str(RUN["chunk_size"])]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "part-000000.parquet").exists():
            assert process.poll() is None, "the run ended before writing a part"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    written = _parts(out)
    assert 1 <= len(written) < N // RUN["chunk_size"], written  # really killed mid-run
    assert ds.dataset(out).to_table().num_rows == len(written) * RUN["chunk_size"]
    seen = []
    rnnlens.fleet.batch(
        fleet["model"],
        fleet["npy"],
        out,
        workers=1,
        on_start=lambda n, done: seen.append(done),
        **RUN,
    )
    assert seen == [len(written) * RUN["chunk_size"]]  # the finished chunks were skipped
    _same_parts(reference, out)
    assert ds.dataset(out).to_table().equals(ds.dataset(reference).to_table())


def test_another_run_into_the_same_folder_needs_overwrite(fleet, reference, tmp_path):
    out = tmp_path / "other"
    rnnlens.fleet.batch(
        fleet["model"], fleet["npy"], out, tasks="predict", workers=1, chunk_size=20
    )
    with pytest.raises(OutputError, match="different run.*overwrite"):
        rnnlens.fleet.batch(
            fleet["model"], fleet["npy"], out, tasks="predict", workers=1, chunk_size=10
        )
    summary = rnnlens.fleet.batch(
        fleet["model"], fleet["npy"], out, tasks="predict", workers=1, chunk_size=10, overwrite=True
    )
    assert _parts(out) == [f"part-00000{i}.parquet" for i in range(4)] and summary.n_sequences == N
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="did not write"):
        rnnlens.fleet.batch(fleet["model"], fleet["npy"], tmp_path / "foreign", tasks="predict")


def test_bad_requests_fail_before_any_work(fleet, tmp_path):
    import keras

    out = tmp_path / "never"
    with pytest.raises(OptionError, match="tasks"):
        rnnlens.fleet.batch(fleet["model"], fleet["npy"], out, tasks="predict,explode")
    with pytest.raises(OptionError, match="engine"):
        rnnlens.fleet.batch(fleet["model"], fleet["npy"], out, engine="spark")
    with pytest.raises(OptionError, match="workers"):
        rnnlens.fleet.batch(fleet["model"], fleet["npy"], out, workers=0)
    with pytest.raises(OptionError, match="path of a .keras"):
        rnnlens.fleet.batch(rnnlens.load_model(fleet["model"]), fleet["npy"], out)
    with pytest.raises(OptionError, match="method"):
        rnnlens.fleet.batch(fleet["model"], fleet["npy"], out, method="shap-magic")
    a, b = keras.Input((12, 3), name="a"), keras.Input((12, 3), name="b")
    two = keras.Model(
        [a, b], keras.layers.Dense(1)(keras.layers.LSTM(2)(a) + keras.layers.LSTM(2)(b))
    )
    two.save(tmp_path / "two.keras")
    with pytest.raises(UnsupportedLayerError, match="single-input"):
        rnnlens.fleet.batch(tmp_path / "two.keras", fleet["npy"], out)
    # found by the first chunk's worker: still nothing written, OUT is never created
    with pytest.raises(TargetError, match="no time axis"):
        rnnlens.fleet.batch(fleet["model"], fleet["npy"], out, target=(99, 0), workers=1)
    assert not out.exists()


def test_trace_summary_reads_the_lstm_state(fleet, tmp_path):
    import keras

    out = tmp_path / "trace"
    rnnlens.fleet.batch(
        fleet["model"], fleet["parquet"], out, tasks="trace-summary", workers=1, chunk_size=40
    )
    table = ds.dataset(out).to_table().to_pandas()
    assert table["id"].tolist() == fleet["ids"]
    model = rnnlens.load_model(fleet["model"])
    hidden = keras.Model(model.inputs, model.get_layer("lstm").output).predict(
        fleet["x"], verbose=0
    )
    np.testing.assert_allclose(
        table["lstm/final_state_norm"], np.linalg.norm(hidden, axis=1), rtol=1e-5
    )
    trace = rnnlens.trace(model, fleet["x"])
    gate = np.asarray(trace.layers[0].gates["forget_gate"])
    expected = ((gate < 0.05) | (gate > 0.95)).mean(axis=(1, 2))
    np.testing.assert_allclose(table["lstm/forget_gate_saturation"], expected, atol=1e-12)
