"""Scores from their definitions, the ranking helpers, and the result object."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rnnlens
from rnnlens.quality import FaithfulnessResult, compare, deletion_curve
from rnnlens.quality.ranking import cell_counts, cell_ranks
from rnnlens.quality.result import aopc


def test_aopc_of_a_curve_that_drops_at_once():
    # F falls from 2 to 0 at the first step and stays: AOPC = (0 + 2 * steps) / (steps + 1).
    curves = np.array([[2.0, 0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(aopc(curves, "deletion"), [8.0 / 5.0])
    # Orientation: a negative output rising to its baseline scores the same.
    np.testing.assert_allclose(aopc(-curves, "deletion"), [8.0 / 5.0])
    # A curve that never moves scores 0; insertion mirrors deletion.
    np.testing.assert_allclose(aopc(np.ones((1, 5)), "insertion"), [0.0])
    np.testing.assert_allclose(aopc(curves[:, ::-1], "insertion"), [2.0 / 5.0])


@given(
    n_valid=st.lists(st.integers(0, 40), min_size=1, max_size=5),
    steps=st.integers(1, 25),
)
def test_cell_counts_round_each_fraction(n_valid, steps):
    counts = cell_counts(np.array(n_valid), steps)
    exact = np.arange(steps + 1)[None, :] * np.array(n_valid)[:, None] / steps
    assert np.all(np.abs(counts - exact) <= 0.5)
    assert counts[:, 0].tolist() == [0] * len(n_valid) and counts[:, -1].tolist() == n_valid
    assert np.all(np.diff(counts, axis=1) >= 0)


@given(st.integers(0, 2**31 - 1))
def test_cell_ranks_order_valid_cells_by_score(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, size=(3, 7)).astype(float)  # ties on purpose
    valid = rng.random((3, 7)) > 0.3
    ranks = cell_ranks(scores, valid)
    assert np.all(ranks[~valid] == -1)
    for row_scores, row_ranks, keep in zip(scores, ranks, valid, strict=True):
        assert sorted(row_ranks[keep].tolist()) == list(range(int(keep.sum())))
        by_rank = row_scores[keep][np.argsort(row_ranks[keep])]
        assert np.all(np.diff(by_rank) <= 0)


@pytest.fixture(scope="module")
def curve(signal_model, signal_inputs) -> FaithfulnessResult:
    result = rnnlens.attribute(signal_model, signal_inputs, method="input_x_gradient")
    return deletion_curve(signal_model, signal_inputs, result, steps=6, n_random=3)


def test_scores_follow_their_definitions(curve):
    f = curve.curves.astype(np.float64)
    direction = np.where(f[:, -1] < f[:, 0], -1.0, 1.0)[:, None]
    np.testing.assert_allclose(curve.aopc, ((f - f[:, :1]) * direction).mean(axis=1))
    np.testing.assert_allclose(curve.auc, np.trapezoid(f, curve.fractions, axis=1))
    random = curve.random_curves.astype(np.float64)
    random_aopc = ((random - random[..., :1]) * direction).mean(axis=-1).mean(axis=0)
    np.testing.assert_allclose(curve.random_gap, curve.aopc - random_aopc)
    np.testing.assert_allclose(curve.normalized_aopc, curve.aopc / np.abs(f[:, -1] - f[:, 0]))


def test_result_is_frozen_and_tabulates(curve):
    with pytest.raises(dataclasses.FrozenInstanceError):
        curve.kind = "insertion"  # type: ignore[misc]
    frame = curve.to_dataframe()
    assert len(frame) == 5 * 7
    assert list(frame.columns) == ["sample", "fraction", "cells", "output", "random_output"]
    np.testing.assert_array_equal(frame["output"].to_numpy().reshape(5, 7), curve.curves)
    assert (
        frame.attrs["aopc"] == curve.scores()["aopc"]
        and frame.attrs["method"] == "input_x_gradient"
    )
    assert "random_gap=" in repr(curve)


def test_same_seed_same_random_orders(signal_model, signal_inputs, curve):
    result = rnnlens.attribute(signal_model, signal_inputs, method="saliency")
    again = deletion_curve(signal_model, signal_inputs, result, steps=6, n_random=3)
    np.testing.assert_allclose(again.random_curves, curve.random_curves, rtol=1e-6, atol=1e-7)


def test_compare_ranks_methods_with_the_curves_scores(signal_model, signal_inputs):
    frame = compare(
        signal_model, signal_inputs, steps=3, n_random=4, options={"ig": {"n_steps": 16}}
    )
    assert frame["method"].tolist() == sorted(
        frame["method"], key=lambda m: -frame.set_index("method").loc[m, "deletion_aopc"]
    )
    assert frame["rank"].tolist() == [1, 2, 3, 4]
    assert set(frame["method"]) == {
        "saliency",
        "input_x_gradient",
        "integrated_gradients",
        "occlusion",
    }
    ig = rnnlens.attribute(signal_model, signal_inputs, method="ig", n_steps=16)
    alone = deletion_curve(signal_model, signal_inputs, ig, steps=3, n_random=4).scores()
    row = frame.set_index("method").loc["integrated_gradients"]
    assert row["deletion_aopc"] == pytest.approx(alone["aopc"], rel=1e-6)
    assert row["deletion_random_gap"] == pytest.approx(alone["random_gap"], rel=1e-6, abs=1e-9)
    assert row["deletion_random_gap"] > 0 and row["insertion_random_gap"] > 0
