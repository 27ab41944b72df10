"""Gate saturation and memory timescales against axioms of the hand-built cells and against Keras."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.errors import OptionError, TargetError, UnsupportedLayerError
from rnnlens.units import gate_saturation, memory_timescales
from tests.units.conftest import build_fixed_gru


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _row(table, gate, unit):
    rows = table[(table.gate == gate) & (table.unit == unit)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_forget_gate_saturation_follows_the_biases(lstm_trace, inputs):
    table = gate_saturation(lstm_trace)
    n_valid = int((np.abs(inputs).sum(-1) != 0).sum())
    assert set(table.gate) == {"input_gate", "forget_gate", "output_gate"}
    assert (table.n_valid == n_valid).all()
    keeper, forgetter, _, half = (_row(table, "forget_gate", u) for u in range(4))
    assert (keeper.right_saturated, keeper.left_saturated) == (1.0, 0.0)
    assert (forgetter.right_saturated, forgetter.left_saturated) == (0.0, 1.0)
    assert (half.right_saturated, half.left_saturated, half["mean"]) == (0.0, 0.0, 0.5)
    assert keeper["mean"] == pytest.approx(_sigmoid(20.0), abs=1e-7)


def test_input_gate_shares_match_the_axiom_on_the_inputs(lstm_trace, inputs):
    # unit 3's input gate is sigmoid(2 * x0) at processed steps: count the shares from the inputs alone.
    valid = np.abs(inputs).sum(-1) != 0
    gate = _sigmoid(2.0 * inputs[..., 0].astype(np.float64))[valid]
    table = gate_saturation(lstm_trace, low=0.2, high=0.7, gates="input_gate", layer="lstm")
    row = _row(table, "input_gate", 3)
    assert row.left_saturated == pytest.approx((gate < 0.2).mean())
    assert row.right_saturated == pytest.approx((gate > 0.7).mean())
    assert row["mean"] == pytest.approx(gate.mean(), abs=1e-6)
    assert 0 < row.left_saturated < 1 and 0 < row.right_saturated < 1


def test_candidate_can_be_asked_for(lstm_trace):
    table = gate_saturation(lstm_trace, low=-0.5, high=0.5, gates=["candidate"])
    assert set(table.gate) == {"candidate"}
    traced = np.asarray(lstm_trace["lstm"].gates["candidate"])[lstm_trace["lstm"].mask]
    expected = (traced < -0.5).mean(axis=0)
    np.testing.assert_allclose(table.left_saturated, expected)


def test_lstm_timescales(lstm_trace):
    table = memory_timescales(lstm_trace).set_index("unit")
    assert (table.keep_gate == "forget_gate").all()
    assert table.timescale[0] > 1e6  # f̄ = 1 in float32: inf
    expected_fast = -1.0 / np.log(np.float32(_sigmoid(-20.0)))
    assert table.timescale[1] == pytest.approx(expected_fast, rel=1e-4)
    assert table.timescale[1] < 0.06
    assert table.timescale[3] == pytest.approx(1.0 / np.log(2.0), rel=1e-6)
    assert table.half_life[3] == pytest.approx(1.0, rel=1e-6)


def test_gru_update_gate_is_the_keep_gate_as_keras_computes_it():
    model = build_fixed_gru()
    x = np.random.default_rng(0).normal(size=(3, 5, 1)).astype("float32")
    keras_h = np.asarray(model.predict(x, verbose=0))
    # Keras: h = z * h_prev + (1 - z) * candidate. z = 1 keeps the zero start; z = 0 takes the candidate.
    np.testing.assert_allclose(keras_h[..., 0], 0.0, atol=1e-7)
    np.testing.assert_allclose(keras_h[..., 1], np.tanh(x[..., 0]), atol=1e-6)
    table = memory_timescales(rnnlens.trace(model, x)).set_index("unit")
    assert (table.keep_gate == "update_gate").all()
    assert table.timescale[0] > 1e6
    assert table.timescale[1] < 0.06


def test_bad_arguments(lstm_trace):
    with pytest.raises(OptionError, match="low < high"):
        gate_saturation(lstm_trace, low=0.9, high=0.1)
    with pytest.raises(OptionError, match="finite"):
        gate_saturation(lstm_trace, low=float("nan"))
    with pytest.raises(TargetError, match="traced layers are"):
        memory_timescales(lstm_trace, layer="nope")
    with pytest.raises(TargetError, match="did not record"):
        gate_saturation(lstm_trace, layer="lstm", gates=["update_gate"])
    with pytest.raises(OptionError, match=r"rnnlens.trace\(model, x\)"):
        memory_timescales(np.zeros((2, 3, 4)))  # type: ignore[arg-type]


def test_layers_without_gates_are_refused():
    import keras

    x_in = keras.Input((3, 1))
    model = keras.Model(x_in, keras.layers.SimpleRNN(2, name="rnn")(x_in))
    result = rnnlens.trace(model, np.ones((2, 3, 1), "float32"))
    with pytest.raises(UnsupportedLayerError, match="keep gate"):
        memory_timescales(result)
    with pytest.raises(UnsupportedLayerError, match="No gates"):
        gate_saturation(result)
