"""Deletion / insertion curves against Keras's own predictions and against exact identities."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import Baseline
from rnnlens.quality import deletion_curve, insertion_curve


def _predict(model, x) -> np.ndarray:
    return np.asarray(model.predict(x, verbose=0), dtype=np.float64)


def _sorted_terms(terms: np.ndarray) -> np.ndarray:
    """Per sample, the terms by decreasing |term| (ties in cell order, as the ranking breaks them)."""
    flat = terms.reshape(len(terms), -1)
    order = np.argsort(-np.abs(flat), axis=1, kind="stable")
    return np.take_along_axis(flat, order, axis=1)


@pytest.fixture(scope="module")
def linear_x() -> np.ndarray:
    return np.random.default_rng(3).normal(size=(3, 4, 3)).astype("float32")


def test_linear_deletion_removes_ig_terms_largest_first(linear_model, linear_weights, linear_x):
    result = rnnlens.attribute(linear_model, linear_x, method="integrated_gradients")
    terms = linear_x.astype(np.float64) * linear_weights  # IG of a linear model: (x - 0) * w
    np.testing.assert_allclose(result.values, terms, rtol=1e-5, atol=1e-6)

    curve = deletion_curve(linear_model, linear_x, result, steps=12)
    f_x = _predict(linear_model, linear_x)[:, 0]
    expected = f_x[:, None] - np.concatenate(
        [np.zeros((3, 1)), np.cumsum(_sorted_terms(terms), axis=1)], axis=1
    )
    np.testing.assert_allclose(curve.curves, expected, rtol=1e-5, atol=1e-5)

    # The first step, against Keras on the manually perturbed input: the largest |term| cell set to 0.
    perturbed = linear_x.copy()
    for i, cell in enumerate(np.argmax(np.abs(terms).reshape(3, -1), axis=1)):
        perturbed[i].reshape(-1)[cell] = 0.0
    np.testing.assert_allclose(
        curve.curves[:, 1], _predict(linear_model, perturbed)[:, 0], atol=1e-5
    )
    assert np.array_equal(curve.counts, np.tile(np.arange(13), (3, 1)))


def test_linear_deletion_is_monotone_when_all_terms_push_up(linear_model, linear_weights):
    x = (np.sign(linear_weights) * np.linspace(0.5, 2.0, 12).reshape(4, 3))[None].astype("float32")
    result = rnnlens.attribute(linear_model, x, method="integrated_gradients")
    curve = deletion_curve(linear_model, x, result, steps=12)
    steps = np.diff(curve.curves[0])
    assert np.all(steps < 0)
    np.testing.assert_allclose(-steps[0], np.max(np.abs(x * linear_weights)), rtol=1e-5)


def test_linear_insertion_adds_terms_from_a_constant_baseline(
    linear_model, linear_weights, linear_x
):
    result = rnnlens.attribute(linear_model, linear_x, method="ig", baselines=0.5)
    terms = (linear_x.astype(np.float64) - 0.5) * linear_weights
    curve = insertion_curve(linear_model, linear_x, result, baseline=0.5, steps=12)
    f_b = _predict(linear_model, np.full_like(linear_x, 0.5))[:, 0]
    expected = f_b[:, None] + np.concatenate(
        [np.zeros((3, 1)), np.cumsum(_sorted_terms(terms), axis=1)], axis=1
    )
    np.testing.assert_allclose(curve.curves, expected, rtol=1e-5, atol=1e-5)


def test_endpoints_are_f_of_x_and_f_of_baseline(forecaster, series):
    result = rnnlens.attribute(forecaster, series, method="saliency", target=(9, 0))
    baseline = Baseline.custom(0.25)
    f_x = _predict(forecaster, series)[:, 9, 0]
    f_b = _predict(forecaster, np.full_like(series, 0.25))[:, 9, 0]
    deletion = deletion_curve(forecaster, series, result, target=(9, 0), baseline=baseline, steps=4)
    insertion = insertion_curve(
        forecaster, series, result, target=(9, 0), baseline=baseline, steps=4
    )
    np.testing.assert_allclose(deletion.curves[:, 0], f_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(deletion.curves[:, -1], f_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(insertion.curves[:, 0], f_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(insertion.curves[:, -1], f_x, rtol=1e-5, atol=1e-6)
    # Every random order shares the end points exactly.
    assert np.array_equal(
        deletion.random_curves[:, :, 0], np.broadcast_to(deletion.curves[:, 0], (5, 4))
    )
    assert deletion.counts[:, -1].tolist() == [10] * 4
    assert deletion.fractions.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_attribution_order_beats_random_when_one_feature_carries_the_signal(
    signal_model, signal_inputs
):
    result = rnnlens.attribute(signal_model, signal_inputs, method="ig", n_steps=32)
    assert np.all(result.values[:, :, 1:] == 0)  # zero input weights: exactly no attribution
    curve = deletion_curve(signal_model, signal_inputs, result, steps=3, n_random=8)
    # After a third of the cells, every cell of the signal feature is gone: the model sees the baseline.
    f_b = _predict(signal_model, np.zeros_like(signal_inputs))[:, 0]
    np.testing.assert_allclose(curve.curves[:, 1], f_b, rtol=1e-5, atol=1e-6)
    assert np.all(curve.aopc >= curve.random_aopc)
    assert curve.scores()["random_gap"] > 0
    random = deletion_curve(
        signal_model, signal_inputs, result, steps=3, n_random=8, order="random"
    )
    assert curve.scores()["aopc"] > random.scores()["aopc"]
    np.testing.assert_allclose(random.curves, random.random_curves.mean(axis=0))


def test_padded_tokens_are_never_ranked_or_touched(sentiment, padded_tokens):
    result = rnnlens.attribute(sentiment, padded_tokens, method="ig", n_steps=16)
    ones = np.ones(
        20, dtype=np.int32
    )  # removed tokens become token 1, so Keras can check the curve
    curve = deletion_curve(sentiment, padded_tokens, result, baseline=ones, steps=17)
    valid = padded_tokens != 0
    assert np.all(curve.ranks[~valid] == -1)
    for ranks, keep in zip(curve.ranks, valid, strict=True):
        assert sorted(ranks[keep].tolist()) == list(range(int(keep.sum())))
    assert curve.counts[:, -1].tolist() == [18, 15, 12]
    assert curve.counts[:, 1].tolist() == [1, 1, 1]

    everything = np.where(valid, 1, 0).astype(np.int32)
    np.testing.assert_allclose(
        curve.curves[:, -1], _predict(sentiment, everything)[:, 0], rtol=1e-5, atol=1e-6
    )
    first = padded_tokens.copy()
    top = np.argmax(np.where(valid, np.abs(result.values), -1.0), axis=1)
    first[np.arange(3), top] = 1
    np.testing.assert_allclose(curve.curves[:, 1], _predict(sentiment, first)[:, 0], atol=1e-6)


def test_multi_input_model_perturbs_one_input_only():
    from tests.helpers import random_tokens, small_translator

    model = small_translator()
    enc, dec = random_tokens(2, 6, 20, seed=3), random_tokens(2, 5, 20, seed=4)
    results = rnnlens.attribute(model, [enc, dec], method="saliency", target=(4, "predicted"))
    names = [t.name.split(":")[0] for t in model.inputs]
    baseline = {names[0]: np.ones(6, np.int32), names[1]: np.ones(5, np.int32)}
    curve = deletion_curve(
        model, [enc, dec], results[1], target=(4, "predicted"), baseline=baseline
    )
    predicted = np.argmax(_predict(model, [enc, dec])[:, 4], axis=1)
    f_end = _predict(model, [enc, np.ones_like(dec)])[np.arange(2), 4, predicted]
    np.testing.assert_allclose(curve.curves[:, -1], f_end, rtol=1e-5, atol=1e-6)
    assert curve.input_name == names[1]
