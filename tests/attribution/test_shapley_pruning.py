"""TimeSHAP's temporal pruning: the cut follows the rule (first split from the most recent event whose
older coalition matters less than the tolerance), is reported, and the values are those of the pruned
game."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution.shapley import ShapleyValues
from tests.attribution.shapley_games import brute_force

STEPS, FEATURES = 12, 2


@pytest.fixture(scope="module")
def lstm12():
    import keras

    keras.utils.set_random_seed(21)
    return keras.Sequential(
        [
            keras.Input((STEPS, FEATURES), name="signals"),
            keras.layers.LSTM(6, name="lstm"),
            keras.layers.Dense(1, name="head"),
        ]
    )


def _older_values(model, x: np.ndarray) -> np.ndarray:
    """|Shapley value of the older events| in the game {last k events, older}, for k = 1 .. T-1."""
    ks = np.arange(1, STEPS)
    only_recent = np.repeat(x[None], len(ks), axis=0)
    only_older = only_recent.copy()
    for j, k in enumerate(ks):
        only_recent[j, : STEPS - k] = 0.0
        only_older[j, STEPS - k :] = 0.0
    read = lambda batch: np.asarray(model(batch))[:, 0].astype(np.float64)  # noqa: E731
    full, empty = read(x[None])[0], read(np.zeros_like(x[None]))[0]
    return np.abs(0.5 * ((read(only_older) - empty) + (full - read(only_recent))))


def test_cut_follows_timeshap_rule_and_values_are_exact_for_the_pruned_game(lstm12):
    x = np.random.default_rng(8).normal(size=(STEPS, FEATURES)).astype("float32")
    older = _older_values(lstm12, x)
    tolerance = float(np.sort(older)[len(older) // 2]) * 1.01  # a cut exists, somewhere inside
    k = int(np.flatnonzero(older < tolerance)[0]) + 1  # events kept separate
    result = ShapleyValues(lstm12).attribute(x[None], target=0, players="event", prune=tolerance)
    cut = STEPS - k
    assert result.options["cuts"] == [[cut]] and result.options["prune"] == tolerance
    table = result.players
    merged = table[table["merged"]]
    assert len(merged) == (1 if cut > 0 else 0) and len(table) == k + len(merged)
    if cut > 0:
        assert (merged["time_start"].item(), merged["time_stop"].item()) == (0, cut)
        assert merged["cells"].item() == cut * FEATURES
    masks = []
    if cut > 0:
        older_mask = np.zeros((STEPS, FEATURES), bool)
        older_mask[:cut] = True
        masks.append(older_mask)
    for t in range(cut, STEPS):
        mask = np.zeros((STEPS, FEATURES), bool)
        mask[t] = True
        masks.append(mask)
    expected = brute_force(lstm12, x, masks, lambda out: out[:, 0])
    np.testing.assert_allclose(table["value"].to_numpy(), expected, atol=1e-6, rtol=0)
    # the merged player's value is spread over its cells; efficiency holds
    np.testing.assert_allclose(result.values[0, :cut].sum(), expected[0] if cut else 0, atol=1e-6)
    np.testing.assert_allclose(result.completeness_gap, 0, atol=1e-6)
    # splits are tried in blocks of 8 (two rows each), after v(N) and v(without the input)
    tried = min(-(-k // 8) * 8, STEPS - 1)
    assert result.options["evaluations"][0] == (1 << len(expected)) + 2 + 2 * tried


def test_a_tolerance_nothing_falls_below_prunes_nothing(lstm12):
    x = np.random.default_rng(8).normal(size=(1, STEPS, FEATURES)).astype("float32")
    result = ShapleyValues(lstm12).attribute(
        x, target=0, players="event", prune=0.0, estimator="permutation", tolerance=0.05
    )
    assert result.options["cuts"] == [[None]] and not result.players["merged"].any()
    assert len(result.players) == STEPS
