"""Trace files on a full disk: the HDF5 writer never commits a file it could not close."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app
from rnnlens.errors import OutputError
from rnnlens.tracing import Trace
from rnnlens.tracing.storage import TraceFileWriter, save_trace
from tests.helpers import random_series, small_forecaster

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trace_storage")
    model_path = folder / "forecaster.keras"
    small_forecaster().save(model_path)
    data_path = folder / "series.npy"
    np.save(data_path, random_series(3, 10, 1))
    return model_path, data_path


def _failing_close(monkeypatch):
    import h5py

    real_close = h5py.File.close

    def close(self):
        real_close(self)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(h5py.File, "close", close)


def test_a_failed_close_keeps_the_old_trace(files, tmp_path, monkeypatch):
    model_path, data_path = files
    target = tmp_path / "out.h5"
    assert (
        runner.invoke(app, ["trace", str(model_path), str(data_path), "-o", str(target)]).exit_code
        == 0
    )
    good = target.read_bytes()
    _failing_close(monkeypatch)
    result = runner.invoke(app, ["trace", str(model_path), str(data_path), "-o", str(target)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and "No space left" in lines[0]
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["out.h5"]
    monkeypatch.undo()
    assert Trace.load(target).layers


def test_the_writer_raises_output_error_and_leaves_nothing(tmp_path, monkeypatch):
    _failing_close(monkeypatch)
    target = tmp_path / "new.h5"
    with (
        pytest.raises(OutputError, match="no file was created"),
        TraceFileWriter(target, "m", "tensorflow", []),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_an_error_while_writing_keeps_the_old_trace(files, tmp_path):
    import rnnlens

    model_path, data_path = files
    trace = rnnlens.trace(str(model_path), np.load(data_path))
    target = tmp_path / "t.h5"
    save_trace(trace, target)
    good = target.read_bytes()
    with pytest.raises(KeyError), TraceFileWriter(target, "m", "tensorflow", []):
        raise KeyError("boom")
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["t.h5"]


def test_a_disk_too_small_is_refused_before_any_data_is_written(files, tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    model_path, data_path = files
    target = tmp_path / "out.h5"
    target.write_bytes(b"old")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 5000, 5000))
    result = runner.invoke(app, ["trace", str(model_path), str(data_path), "-o", str(target)])
    assert result.exit_code == 1, result.output
    assert "the trace needs about" in result.output and "MB are free" in result.output
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.h5"]
