"""Baselines: zeros, per-feature mean / median of reference data, sequences, token ids, custom."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import Baseline
from rnnlens.attribution.baselines import resolve_baselines
from rnnlens.attribution.engine import Engine
from rnnlens.errors import DataError, ShapeError

RNG = np.random.default_rng(9)


@pytest.fixture(scope="module")
def floats(forecaster, series):
    return Engine.for_model(forecaster), [series], [series]


def _one(spec, floats):
    engine, arrays, space = floats
    return resolve_baselines(spec, engine, arrays, space)[0]


def test_defaults_are_zeros(floats):
    for spec in (None, "zeros", Baseline.zeros(), 0.0):
        np.testing.assert_array_equal(_one(spec, floats), np.zeros((4, 10, 1)))


def test_mean_and_median_are_per_feature_over_samples_and_time(floats):
    reference = RNG.gamma(2.0, size=(7, 10, 1)).astype("float32")
    mean = _one(Baseline.mean(reference), floats)
    np.testing.assert_allclose(mean, np.full((4, 10, 1), reference.mean()), rtol=1e-6)
    median = _one(Baseline.median(reference), floats)
    np.testing.assert_allclose(median, np.full((4, 10, 1), np.median(reference)), rtol=1e-6)


def test_sequence_and_custom_arrays_broadcast(floats):
    sequence = RNG.normal(size=(10, 1)).astype("float32")
    np.testing.assert_array_equal(_one(Baseline.sequence(sequence), floats)[2], sequence)
    per_sample = RNG.normal(size=(4, 10, 1)).astype("float32")
    np.testing.assert_array_equal(_one(per_sample, floats), per_sample)
    shifted = _one(Baseline.custom(lambda x: x - 1.0), floats)
    np.testing.assert_allclose(shifted, floats[1][0] - 1.0)


def test_token_baselines_live_in_embedding_space(sentiment, padded_tokens):
    engine = Engine.for_model(sentiment)
    space = engine.to_space([padded_tokens])
    pad = resolve_baselines(np.zeros(20, "int32"), engine, [padded_tokens], space)[0]
    row = np.asarray(sentiment.get_layer("embedding").embeddings)[0]
    np.testing.assert_allclose(pad, np.broadcast_to(row, pad.shape), rtol=1e-6)
    reference = RNG.integers(0, 50, size=(5, 20)).astype("int32")
    mean = resolve_baselines(Baseline.mean(reference), engine, [padded_tokens], space)[0]
    table = np.asarray(sentiment.get_layer("embedding").embeddings)
    expected = table[reference[reference != 0]].mean(axis=0)  # padding is excluded (mask_zero)
    np.testing.assert_allclose(mean[0, 0], expected, rtol=1e-5)


def test_one_baseline_per_input(translator, translation_pair):
    engine = Engine.for_model(translator)
    space = engine.to_space(translation_pair)
    both = resolve_baselines(
        {"encoder_tokens": None, "decoder_tokens": np.ones(5, "int32")},
        engine,
        translation_pair,
        space,
    )
    assert np.all(both[0] == 0) and both[1].shape == (2, 5, 8) and np.all(both[1] != 0)
    with pytest.raises(ShapeError, match="holds 3 entries but the model has 2 inputs"):
        resolve_baselines([None, None, None], engine, translation_pair, space)
    with pytest.raises(ShapeError, match="lacks input"):
        resolve_baselines({"encoder_tokens": None}, engine, translation_pair, space)


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        (np.zeros((3, 10, 1)), ShapeError, r"shape \(3, 10, 1\), which does not match"),
        (np.zeros((10, 2)), ShapeError, "does not match"),
        (np.array([np.nan]), DataError, "NaN or inf"),
        (np.array(["a"]), DataError, "must be numeric"),
        ("mean", ShapeError, "Baseline.mean"),
        (Baseline.mean(np.zeros((4, 10, 3))), ShapeError, "must end in the input's 1 features"),
        (Baseline.sequence(np.zeros((4, 10, 1))), ShapeError, "one sequence of shape"),
        (Baseline.custom(lambda x: 1 / 0), DataError, "function failed"),
    ],
)
def test_bad_baselines(spec, error, message, floats):
    with pytest.raises(error, match=message):
        _one(spec, floats)


def test_bad_token_baselines(sentiment, padded_tokens):
    engine = Engine.for_model(sentiment)
    space = engine.to_space([padded_tokens])
    with pytest.raises(DataError, match=r"outside \[0, 50\)"):
        resolve_baselines(np.full(20, 99), engine, [padded_tokens], space)
    with pytest.raises(ShapeError, match="token ids, so it must have shape"):
        resolve_baselines(np.zeros(7, "int32"), engine, [padded_tokens], space)
