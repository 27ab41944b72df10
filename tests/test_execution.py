"""The chunking and execution seam: one sizing rule, padded chunks, a pluggable executor, one cache."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest

import rnnlens
from rnnlens import execution
from rnnlens.attribution.batching import chunk_indices, chunk_size
from rnnlens.errors import OptionError
from rnnlens.execution import (
    Chunk,
    SerialExecutor,
    cached,
    plan_chunks,
    rows_per_chunk,
    run_chunks,
    using_executor,
)
from tests.helpers import random_series


def _old_attribution_chunk_size(n_rows, bytes_per_row, internal_batch_size, budget):
    """attribution/batching.chunk_size before the seam, verbatim."""
    if internal_batch_size is not None:
        limit = internal_batch_size
    else:
        limit = int(budget * 2**20 // max(bytes_per_row, 1))
        limit = min(max(limit, 1), 8192)
    n_rows = max(n_rows, 1)
    n_chunks = math.ceil(n_rows / limit)
    return math.ceil(n_rows / n_chunks)


def _old_tracing_chunk_size(n_samples, bytes_per_sample, budget, batch_size):
    """tracing/chunking.chunk_size before the seam (unbalanced), verbatim."""
    if batch_size is not None:
        return min(int(batch_size), max(n_samples, 1))
    if budget is None:
        return max(n_samples, 1)
    fits = math.floor(budget * 2**20 / (max(bytes_per_sample, 1) * 4))
    return max(1, min(fits, max(n_samples, 1)))


@pytest.mark.parametrize("n_rows", [0, 1, 7, 100, 5000, 100_000])
@pytest.mark.parametrize("bytes_per_row", [1, 1000, 123_457, 10**7])
@pytest.mark.parametrize("batch", [None, 1, 3, 64])
@pytest.mark.parametrize("budget", [0.001, 1, 512.0])
def test_attribution_sizes_are_unchanged(n_rows, bytes_per_row, batch, budget):
    assert chunk_size(n_rows, bytes_per_row, batch, budget) == _old_attribution_chunk_size(
        n_rows, bytes_per_row, batch, budget
    )


@pytest.mark.parametrize("n_samples", [1, 5, 100, 4097])
@pytest.mark.parametrize("bytes_per_sample", [10, 5000, 10**6])
@pytest.mark.parametrize("budget,batch", [(None, None), (1.0, None), (64.0, None), (None, 7)])
def test_tracing_keeps_its_number_of_chunks_within_the_old_size(
    n_samples, bytes_per_sample, budget, batch
):
    from rnnlens.tracing.chunking import chunk_size as tracing_chunk_size

    old = _old_tracing_chunk_size(n_samples, bytes_per_sample, budget, batch)
    new = tracing_chunk_size(n_samples, bytes_per_sample, budget, batch)
    assert new <= old  # never more memory per chunk than before
    assert math.ceil(n_samples / new) == math.ceil(n_samples / old)  # and no more calls


def test_one_rule_balances_the_chunks():
    assert rows_per_chunk(10, 1, batch_size=4) == 4  # 3 chunks: 4 4 2 -> 4 4 2 (ceil(10/3) = 4)
    assert rows_per_chunk(100, 2**20, memory_budget_mb=30) == 25  # 30 fit: 4 chunks of 25
    assert rows_per_chunk(100, 1, memory_budget_mb=None) == 100
    assert rows_per_chunk(100, 1, memory_budget_mb=512, max_rows=40) == 34
    assert rows_per_chunk(0, 1) == 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "8", None])
def test_a_bad_batch_size_is_an_option_error(bad):
    with pytest.raises(OptionError, match="`internal_batch_size` must be an integer >= 1"):
        execution.check_batch_size(bad, "internal_batch_size", allow_none=False)
    if bad is not None:
        with pytest.raises(OptionError, match="`batch_size` must be a positive integer or None"):
            execution.check_batch_size(bad)


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, True, "64"])
def test_a_bad_budget_is_an_option_error(bad):
    with pytest.raises(OptionError, match="`memory_budget_mb`.*finite positive number"):
        rows_per_chunk(10, 1, memory_budget_mb=bad)
    with pytest.raises(OptionError, match="finite number of megabytes"):
        chunk_size(10, 1, None, bad)


def test_attribution_still_refuses_no_budget():
    with pytest.raises(OptionError, match="memory_budget_mb"):
        chunk_size(10, 1, None, None)
    assert chunk_size(10, 1, 4, None) == 4  # an explicit size needs no budget


def test_chunks_are_padded_to_one_shape():
    chunks = plan_chunks(5, 2)
    assert [(c.start, c.stop, c.n_valid) for c in chunks] == [(0, 2, 2), (2, 4, 2), (4, 5, 1)]
    np.testing.assert_array_equal(chunks[-1].indices, [4, 4])
    assert [c.size for c in plan_chunks(5, 2, pad=False)] == [2, 2, 1]
    assert [(i.tolist(), n) for i, n in chunk_indices(5, 2)] == [
        ([0, 1], 2),
        ([2, 3], 2),
        ([4, 4], 1),
    ]
    assert plan_chunks(0, 3) == ()


class RecordingExecutor(SerialExecutor):
    """Runs chunks serially in reverse order and yields them in order: an executor may reorder work."""

    def __init__(self) -> None:
        self.seen: list[Chunk] = []

    def map(self, work, chunks):
        self.seen.extend(chunks)
        results = {chunk: work(chunk) for chunk in reversed(chunks)}
        return iter([results[chunk] for chunk in chunks])


def test_run_chunks_uses_the_installed_executor():
    recorder = RecordingExecutor()
    with using_executor(recorder):
        assert list(run_chunks(lambda c: c.start, plan_chunks(5, 2))) == [0, 2, 4]
    assert len(recorder.seen) == 3
    assert isinstance(execution.current_executor(), SerialExecutor)
    with pytest.raises(OptionError, match="executor"), using_executor(object()):  # type: ignore[arg-type]
        pass


def test_trace_runs_its_chunks_on_the_executor(forecaster, series):
    whole = rnnlens.trace(forecaster, series)
    recorder = RecordingExecutor()
    with using_executor(recorder):
        chunked = rnnlens.trace(forecaster, series, batch_size=3)
    assert [(c.start, c.stop) for c in recorder.seen] == [(0, 2), (2, 4)]  # balanced: 2 + 2
    for a, b in zip(whole, chunked, strict=True):
        for name in a.values:
            np.testing.assert_allclose(b.values[name], a.values[name], atol=1e-6)


def test_predictions_run_their_chunks_on_the_executor(forecaster):
    from rnnlens.decoding.forward import predict_outputs

    x = random_series(5, 10, 1, seed=4)
    recorder = RecordingExecutor()
    with using_executor(recorder):
        (chunked,) = predict_outputs(forecaster, [x], batch_size=2)
    assert [c.n_valid for c in recorder.seen] == [2, 2, 1]
    np.testing.assert_allclose(chunked, np.asarray(forecaster(x, training=False)), atol=1e-6)
    (empty,) = predict_outputs(forecaster, [x[:0]])
    assert empty.shape == (0, 10, 1)


def test_the_cache_writes_nothing_on_the_model_and_dies_with_it():
    import keras

    from rnnlens.decoding.forward import compiled_forward

    model = keras.Sequential([keras.Input((4, 2)), keras.layers.GRU(3), keras.layers.Dense(1)])
    before = set(vars(model))
    forward = compiled_forward(model)
    assert compiled_forward(model) is forward
    assert cached(model, "k", lambda: 1) == 1 and cached(model, "k", lambda: 2) == 1
    assert set(vars(model)) == before
    ref = weakref.ref(model)
    del model, forward
    gc.collect()
    assert ref() is None
    assert cached(3, "not weak-referenceable", lambda: "built") == "built"
