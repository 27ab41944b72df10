"""Shapley values by enumeration equal a brute force written in the test, for every kind of player;
efficiency, masks, several inputs and every-step targets."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import Target
from rnnlens.attribution.shapley import ShapleyValues
from tests.attribution.shapley_games import brute_force, event_masks

STEPS, FEATURES = 5, 2


@pytest.fixture(scope="module")
def small_lstm():
    import keras

    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((STEPS, FEATURES), name="signals"),
            keras.layers.LSTM(4, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="head"),
        ]
    )


@pytest.fixture(scope="module")
def signals() -> np.ndarray:
    return np.random.default_rng(5).normal(size=(2, STEPS, FEATURES)).astype("float32")


def _masks(players: str) -> list[np.ndarray]:
    cells = np.zeros((STEPS, FEATURES), dtype=bool)
    if players == "event":
        return event_masks(STEPS, FEATURES)
    if players == "feature":
        return [np.repeat(np.arange(FEATURES)[None] == f, STEPS, axis=0) for f in range(FEATURES)]
    if players == "cell":
        masks = []
        for t in range(STEPS):
            for f in range(FEATURES):
                mask = cells.copy()
                mask[t, f] = True
                masks.append(mask)
        return masks
    # windows of 2 steps: [0, 2), [2, 4), [4, 5)
    return [
        np.isin(np.arange(STEPS), span)[:, None].repeat(FEATURES, 1)
        for span in ([0, 1], [2, 3], [4])
    ]


@pytest.mark.parametrize("players", ["event", "feature", "cell", "window"])
def test_enumeration_equals_brute_force(players, small_lstm, signals):
    options = {"window": 2} if players == "window" else {}
    result = ShapleyValues(small_lstm).attribute(
        signals, target=(STEPS - 1, 0), players=players, **options
    )
    masks = _masks(players)
    table = result.players
    assert len(table) == 2 * len(masks)
    for sample in range(2):
        expected = brute_force(small_lstm, signals[sample], masks, lambda out: out[:, STEPS - 1, 0])
        got = table[table["sample"] == sample]["value"].to_numpy()
        np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)
        # .values spreads each player's value evenly over its cells
        spread = sum(v * m / m.sum() for v, m in zip(expected, masks, strict=True))
        np.testing.assert_allclose(result.values[sample], spread, atol=1e-6, rtol=0)
    assert np.all(result.standard_errors == 0)
    np.testing.assert_allclose(result.completeness_gap, 0, atol=1e-6)
    output = np.asarray(small_lstm(signals))[:, STEPS - 1, 0]
    np.testing.assert_allclose(result.outputs, output, rtol=1e-5, atol=1e-6)


def test_players_table_describes_each_player(small_lstm, signals):
    result = ShapleyValues(small_lstm).attribute(
        signals[:1], target=(STEPS - 1, 0), players="window", window=2
    )
    table = result.players
    assert list(table.columns) == [
        "sample", "player", "input_name", "value", "standard_error", "time_start", "time_stop",
        "features", "cells", "merged",
    ]  # fmt: skip
    assert table["time_start"].tolist() == [0, 2, 4] and table["time_stop"].tolist() == [2, 4, 5]
    assert table["cells"].tolist() == [4, 4, 2] and set(table["features"]) == {"all"}
    features = (
        ShapleyValues(small_lstm)
        .attribute(signals[:1], target=(STEPS - 1, 0), players="feature")
        .players
    )
    assert features["features"].tolist() == ["0", "1"] and features["cells"].tolist() == [5, 5]


def test_padded_tokens_are_no_players_and_get_exactly_zero(sentiment, padded_tokens):
    result = ShapleyValues(sentiment).attribute(padded_tokens[2:], players="window", window=3)
    padded = padded_tokens[2:] == 0  # 8 padded, 12 real tokens -> windows of real tokens only
    assert np.all(result.values[padded] == 0.0)
    table = result.players
    assert table["cells"].sum() == 12 and table["time_start"].min() >= 8
    np.testing.assert_allclose(
        table["value"].sum(), result.outputs - result.baseline_outputs, atol=1e-6
    )
    assert np.all(result.standard_errors[padded] == 0.0)


def test_players_span_encoder_and_decoder_and_every_step_is_its_own_game(
    translator, translation_pair
):
    encoder, decoder = ShapleyValues(translator).attribute(
        translation_pair, target=Target(time="all", unit=3), players="event"
    )
    assert encoder.values.shape == (2, 5, 6) and decoder.values.shape == (2, 5, 5)
    total = encoder.values.sum(axis=-1) + decoder.values.sum(axis=-1)
    np.testing.assert_allclose(total, encoder.outputs - encoder.baseline_outputs, atol=1e-6)
    both = encoder.players.merge(decoder.players, how="outer")
    # one game of 11 players per (sample, output step); ids are global across the inputs
    for _, game in both.groupby(["sample", "output_time"]):
        assert sorted(game["player"]) == list(range(11))
        assert set(game["input_name"]) == {"encoder_tokens", "decoder_tokens"}
    assert np.all(decoder.values[:, np.triu(np.ones((5, 5), bool), k=1)] == 0.0)


def test_two_float_inputs_share_one_game(two_inputs):
    model, arrays = two_inputs
    first, second = ShapleyValues(model).attribute(arrays, players="event")
    masks = [(0, m) for m in event_masks(4, 2)] + [(1, m) for m in event_masks(3, 1)]
    for sample in range(2):
        expected = brute_force(model, [a[sample] for a in arrays], masks, lambda out: out[:, 0])
        got = np.concatenate([first.values[sample].sum(-1), second.values[sample].sum(-1)])
        np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)
    assert first.players["player"].tolist() == [0, 1, 2, 3] * 2
    assert second.players["player"].tolist() == [4, 5, 6] * 2


@pytest.fixture(scope="module")
def two_inputs():
    import keras

    keras.utils.set_random_seed(11)
    a, b = keras.Input((4, 2), name="a"), keras.Input((3, 1), name="b")
    joined = keras.layers.Concatenate()([keras.layers.GRU(3)(a), keras.layers.LSTM(3)(b)])
    model = keras.Model([a, b], keras.layers.Dense(1)(joined))
    rng = np.random.default_rng(2)
    return model, [
        rng.normal(size=(2, 4, 2)).astype("float32"),
        rng.normal(size=(2, 3, 1)).astype("float32"),
    ]
