"""Feature ablation keeps one value per group: checked against the model's own predictions."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import FeatureAblation
from rnnlens.errors import ShapeError
from rnnlens.quality import deletion_curve

STEPS, FEATURES = 5, 3


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(21)
    return keras.Sequential(
        [
            keras.Input((STEPS, FEATURES)),
            keras.layers.LSTM(4),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(8).normal(size=(3, STEPS, FEATURES)).astype("float32")


def _predict(model, x):
    return model.predict(x, verbose=0)[:, 1].astype(np.float64)


def _drop(model, x, cells):
    """F(x) - F(x with ``cells`` zeroed); ``cells`` is an index of (steps, features) or a mask."""
    mask = np.zeros((STEPS, FEATURES), bool)
    mask[cells] = True
    ablated = np.where(mask, 0.0, x).astype("float32")
    return _predict(model, x) - _predict(model, ablated)


def test_time_groups_give_each_step_its_own_drop_once(model, x):
    result = FeatureAblation(model).attribute(x, target=1, groups="time")
    expected = np.stack([_drop(model, x, np.s_[t, :]) for t in range(STEPS)], axis=1)
    np.testing.assert_allclose(result.group_values(), expected, rtol=1e-4, atol=1e-6)
    # never the group's drop times its 3 cells
    np.testing.assert_allclose(result.by_time(), expected, rtol=1e-4, atol=1e-6)
    top = result.top_k(100)
    assert len(top) == 3 * STEPS and "feature" not in top.columns and "input" not in top.columns
    np.testing.assert_allclose(
        np.sort(np.abs(top.attribution)), np.sort(np.abs(expected.ravel())), rtol=1e-4, atol=1e-6
    )
    with pytest.raises(ShapeError, match="spans several feature positions"):
        result.by_feature()


def test_feature_groups_sum_over_time_is_the_feature_drop(model, x):
    result = FeatureAblation(model).attribute(x, target=1, groups="feature")
    expected = np.stack([_drop(model, x, np.s_[:, f]) for f in range(FEATURES)], axis=1)
    np.testing.assert_allclose(result.by_feature(), expected, rtol=1e-4, atol=1e-6)
    assert np.all(np.abs(result.by_feature()) <= 1.0)  # a probability moves by at most 1
    assert result.to_dataframe().columns.tolist() == ["sample", "group", "feature", "attribution"]


def test_custom_groups_and_their_table(model, x):
    ids = np.array([[0, 0, 1]] * 2 + [[2, 2, -1]] * 3)  # (steps, features)
    result = FeatureAblation(model).attribute(x, target=1, groups=ids)
    for label in (0, 1, 2):
        np.testing.assert_allclose(
            result.group_values()[:, label], _drop(model, x, ids == label), rtol=1e-4, atol=1e-6
        )
    table = result.to_dataframe()
    assert table.columns.tolist() == ["sample", "group", "attribution"]
    assert len(table) == 3 * 3
    with pytest.raises(ShapeError, match="group 0 spans several time positions"):
        result.by_time()


def test_cell_groups_reduce_like_plain_sums(model, x):
    result = FeatureAblation(model).attribute(x, target=1, groups="cell")
    np.testing.assert_allclose(result.by_time(), result.values.sum(axis=-1), rtol=1e-6)
    np.testing.assert_allclose(result.by_feature(), result.values.sum(axis=1), rtol=1e-6)
    assert "input" in result.to_dataframe().columns


def test_deletion_curves_remove_whole_groups(model, x):
    result = FeatureAblation(model).attribute(x, target=1, groups="time")
    curve = deletion_curve(model, x, result, target=1, steps=STEPS, n_random=1)
    assert curve.counts[:, -1].tolist() == [STEPS] * 3  # counted in groups, not cells
    order = np.argsort(-np.abs(result.group_values()), axis=1, kind="stable")
    for k in (1, 3):
        ablated = x.copy()
        for sample in range(3):
            ablated[sample, order[sample, :k], :] = 0.0
        np.testing.assert_allclose(curve.curves[:, k], _predict(model, ablated), atol=1e-5)
