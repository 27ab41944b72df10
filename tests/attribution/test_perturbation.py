"""Occlusion and ablation against brute force: each perturbed input built by hand and run by Keras."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import FeatureAblation, Occlusion, OptionError
from rnnlens.attribution.ablation import ablation_regions
from rnnlens.attribution.occlusion import occlusion_regions

RNG = np.random.default_rng(5)


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [keras.Input((6, 3)), keras.layers.GRU(5), keras.layers.Dense(2, activation="softmax")]
    )


@pytest.fixture(scope="module")
def x():
    return RNG.normal(size=(3, 6, 3)).astype("float32")


def _f(model, x, unit=1):
    return np.asarray(model(x, training=False))[:, unit].astype(np.float64)


def test_occlusion_matches_brute_force_with_overlapping_windows(model, x):
    baseline = RNG.normal(size=(3,)).astype("float32")
    window, stride = (2, 2), (1, 1)
    expected = np.zeros(x.shape)
    count = np.zeros(x.shape[1:])
    for t in range(0, 6 - 2 + 1):
        for f in range(0, 3 - 2 + 1):
            occluded = x.copy()
            occluded[:, t : t + 2, f : f + 2] = baseline[f : f + 2]
            delta = _f(model, x) - _f(model, occluded)
            expected[:, t : t + 2, f : f + 2] += delta[:, None, None]
            count[t : t + 2, f : f + 2] += 1
    expected /= count
    result = Occlusion(model).attribute(
        x, target=1, baselines=baseline, window=window, stride=stride
    )
    np.testing.assert_allclose(result.values, expected, rtol=1e-4, atol=1e-6)


def test_occlusion_with_feature_groups_and_time_stride(model, x):
    groups = [[0, 2], [1]]
    expected = np.zeros(x.shape)
    count = np.zeros(x.shape[1:])
    for t in (0, 3):
        for group in groups:
            occluded = x.copy()
            occluded[:, t : t + 3, group] = 0.0
            delta = _f(model, x) - _f(model, occluded)
            for g in group:
                expected[:, t : t + 3, g] += delta[:, None]
                count[t : t + 3, g] += 1
    expected /= count
    result = Occlusion(model).attribute(x, target=1, window=3, stride=3, feature_groups=groups)
    np.testing.assert_allclose(result.values, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("groups", ["time", "feature", "cell"])
def test_ablation_matches_brute_force(groups, model, x):
    baseline = x.mean(axis=0)  # (time, features)
    expected = np.zeros(x.shape)
    cells = {
        "time": [(slice(t, t + 1), slice(None)) for t in range(6)],
        "feature": [(slice(None), slice(f, f + 1)) for f in range(3)],
        "cell": [(slice(t, t + 1), slice(f, f + 1)) for t in range(6) for f in range(3)],
    }[groups]
    for region in cells:
        ablated = x.copy()
        ablated[(slice(None), *region)] = baseline[region]
        expected[(slice(None), *region)] = (_f(model, x, 0) - _f(model, ablated, 0))[:, None, None]
    result = FeatureAblation(model).attribute(x, target=0, baselines=baseline, groups=groups)
    np.testing.assert_allclose(result.values, expected, rtol=1e-4, atol=1e-6)


def test_ablation_with_a_group_id_array(model, x):
    ids = np.array([[0, 0, 1], [0, 0, 1], [2, 2, -1], [2, 2, -1], [3, 3, 3], [3, 3, 3]])
    result = FeatureAblation(model).attribute(x, target=0, groups=ids)
    ablated = x.copy()
    ablated[:, ids == 2] = 0.0
    delta = _f(model, x, 0) - _f(model, ablated, 0)
    np.testing.assert_allclose(result.values[:, 2, 0], delta, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(result.values[:, 3, 1], delta, rtol=1e-4, atol=1e-6)
    assert np.all(result.values[:, ids == -1] == 0.0)  # negative ids are never ablated


def test_token_occlusion_replaces_whole_tokens(sentiment, padded_tokens):
    embedding = sentiment.get_layer("embedding")
    result = Occlusion(sentiment).attribute(padded_tokens, window=2, stride=2)
    lstm, head = sentiment.get_layer("lstm"), sentiment.get_layer("sentiment")
    vectors = np.asarray(embedding(padded_tokens))
    mask = padded_tokens != 0

    def f(v):
        return np.asarray(head(lstm(v, mask=mask)))[:, 0].astype(np.float64)

    for start in (4, 10):
        occluded = vectors.copy()
        occluded[:, start : start + 2] = 0.0
        delta = f(vectors) - f(occluded)
        expected = np.where(mask[:, start], delta, 0.0)
        np.testing.assert_allclose(result.values[:, start], expected, rtol=1e-4, atol=1e-6)


def test_region_counts_follow_the_sliding_rule():
    assert occlusion_regions(10, 4, (3, 2), (2, 1)).shape == (4 * 3, 10, 4)
    assert occlusion_regions(10, 4, 1).shape == (10, 10, 4)
    regions = ablation_regions(5, 2, "cell")
    assert regions.shape == (10, 5, 2) and np.all(regions.sum(axis=0) == 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: occlusion_regions(5, 2, 6), "spans 6 steps but the input has only 5"),
        (lambda: occlusion_regions(5, 2, (1, 3)), "spans 3 features"),
        (lambda: occlusion_regions(5, 2, 0), "`window` must be an integer >= 1"),
        (lambda: occlusion_regions(5, 2, 1, stride=0), "`stride`"),
        (lambda: occlusion_regions(5, 2, 1, feature_groups=[[0, 5]]), "feature indices in"),
        (lambda: ablation_regions(5, 2, "token"), "must be one of"),
        (lambda: ablation_regions(5, 2, np.zeros((4, 2), int)), "shape"),
        (lambda: ablation_regions(5, 1, "feature", tokens=True), "no feature axis"),
    ],
)
def test_bad_perturbation_options(call, message):
    with pytest.raises(OptionError, match=message):
        call()
