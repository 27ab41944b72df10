"""Batch chunking under a memory budget, and traces streamed to disk."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.errors import DataError, MemoryBudgetError, OptionError
from rnnlens.tracing.chunking import WORK_FACTOR, chunk_bounds, chunk_size


def test_chunk_size_follows_the_budget():
    per_sample = 1_000_000
    assert chunk_size(100, per_sample, 10.0, None) == int(10 * 2**20 // (per_sample * WORK_FACTOR))
    assert chunk_size(100, per_sample, 0.001, None) == 1  # never zero
    assert chunk_size(100, per_sample, None, None) == 100
    assert chunk_size(100, per_sample, 10.0, 7) == 7  # an explicit batch size wins
    assert chunk_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_batch_size(bad):
    with pytest.raises(OptionError, match="batch_size"):
        chunk_size(10, 100, None, bad)


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan")])
def test_bad_budget(bad):
    with pytest.raises(OptionError, match="memory_budget_mb"):
        chunk_size(10, 100, bad, None)


def test_chunked_trace_equals_one_pass(bi_model, bi_inputs, bi_trace):
    chunked = rnnlens.trace(bi_model, bi_inputs, batch_size=2)  # chunks of 2, 2, 1 (padded)
    for whole, part in zip(bi_trace, chunked, strict=True):
        for name in whole.values:
            np.testing.assert_allclose(part.values[name], whole.values[name], atol=1e-6)
        np.testing.assert_array_equal(part.mask, whole.mask)


def test_the_result_must_fit_the_budget(bi_model, bi_inputs):
    with pytest.raises(MemoryBudgetError, match="trace_to_file"):
        rnnlens.trace(bi_model, bi_inputs, memory_budget_mb=1e-4)


def test_trace_to_file_streams_chunks_from_a_memory_map(bi_model, bi_inputs, bi_trace, tmp_path):
    source = tmp_path / "x.npy"
    np.save(source, bi_inputs)
    mapped = np.load(source, mmap_mode="r")
    path = rnnlens.trace_to_file(bi_model, mapped, tmp_path / "t.h5", batch_size=2)
    loaded = rnnlens.Trace.load(path, mmap=True)
    assert loaded.keys() == bi_trace.keys()
    for whole, streamed in zip(bi_trace, loaded, strict=True):
        assert streamed.hidden.shape == whole.hidden.shape
        for name in whole.values:
            np.testing.assert_allclose(streamed.values[name], whole.values[name], atol=1e-6)


def test_trace_to_file_reports_bad_samples_by_position(bi_model, bi_inputs, tmp_path):
    x = np.array(bi_inputs)
    x[3, 2, 1] = np.nan
    with pytest.raises(DataError, match=r"samples 2\.\.3.*NaN"):
        rnnlens.trace_to_file(bi_model, x, tmp_path / "t.h5", batch_size=2)
    assert not list(tmp_path.iterdir())  # nothing half-written is left


def test_trace_to_file_wants_hdf5(bi_model, bi_inputs, tmp_path):
    with pytest.raises(DataError, match=r"\.h5"):
        rnnlens.trace_to_file(bi_model, bi_inputs, tmp_path / "t.npz")
