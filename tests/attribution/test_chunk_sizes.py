"""Chunk sizes: the few bucket sizes kept for backends that compile per batch size (JAX), and their use."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnnlens import backends
from rnnlens.attribution import IntegratedGradients
from rnnlens.attribution.batching import chunk_size, size_bucket
from rnnlens.attribution.engine import Engine


def _all_buckets(up_to):
    return [b for b in range(1, up_to + 1) if size_bucket(b, up_to) == b]


@given(size=st.integers(1, 20_000), limit=st.integers(1, 20_000))
def test_a_bucket_covers_the_size_within_the_limit(size, limit):
    bucket = size_bucket(size, limit)
    assert 1 <= bucket <= limit
    if bucket < size:  # only when no bucket between size and limit exists
        assert not [b for b in _all_buckets(limit) if size <= b <= limit]
    else:
        assert bucket < size * 4 / 3 + 1  # padding wastes less than a quarter of the call


def test_there_are_four_buckets_per_octave():
    assert _all_buckets(64) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        10,
        12,
        14,
        16,
        20,
        24,
        28,
        32,
        40,
        48,
        56,
        64,
    ]
    assert len(_all_buckets(8192)) == 3 + 4 * 11 + 1  # 4..7168 in 11 octaves, then 8192


def test_few_sizes_rounds_the_balanced_size_up_but_not_past_the_budget():
    assert chunk_size(2049, 1000, memory_budget_mb=100) == 2049
    assert chunk_size(2049, 1000, memory_budget_mb=100, few_sizes=True) == 2560
    # 100 MB fit 104 rows of 1 MB: the balanced 103 rounds up to 112 > 104, so 96.
    assert chunk_size(2049, 2**20 * 100 // 104, memory_budget_mb=100) == 103
    assert chunk_size(2049, 2**20 * 100 // 104, memory_budget_mb=100, few_sizes=True) == 96
    assert chunk_size(30, 1, internal_batch_size=7, few_sizes=True) == 6  # 5 calls of 6


def test_under_a_per_size_compiler_calls_of_any_length_meet_a_few_sizes(
    forecaster, series, monkeypatch
):
    # As under JAX: every size the compiled functions see is a bucket, and results are unchanged.
    ig = IntegratedGradients(forecaster)
    expected = [
        ig.attribute(series[:n], target=(9, 0), n_steps=s).values for n, s in [(3, 7), (4, 9)]
    ]
    engine = Engine.for_model(forecaster)
    seen = set()
    original = engine._function

    def recording(key):
        fn = original(key)

        def run(inputs, extras):
            seen.add(len(inputs[0]))
            return fn(inputs, extras)

        return run

    monkeypatch.setattr(backends, "compiles_per_batch_size", lambda: True)
    monkeypatch.setattr(engine, "_function", recording)
    got = [ig.attribute(series[:n], target=(9, 0), n_steps=s).values for n, s in [(3, 7), (4, 9)]]
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert seen and all(size_bucket(n, 8192) == n for n in seen), seen
    assert seen - {3, 4, 7, 9, 21, 36}, "without buckets the sizes would be the row counts"
