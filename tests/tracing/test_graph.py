"""Layer inputs, masks and initial states come from the real model graph: seed models, nesting, stacking."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from tests.helpers import random_series, random_tokens, small_sentiment, small_translator
from tests.tracing.reference import TOL, emitted, keras_outputs, max_abs


@pytest.fixture(scope="module")
def translator():
    model = small_translator()
    inputs = [random_tokens(5, 6, 20, seed=1), random_tokens(5, 5, 20, seed=2)]
    return model, inputs


def test_seed_forecaster_hidden_state_is_the_lstm_output():
    model = rnnlens.datasets.seed_models.build_forecaster(timesteps=10, features=2, units=6)
    x = random_series(4, 10, 2)
    (want,) = keras_outputs(model, [model.get_layer("lstm").output], x)
    result = rnnlens.trace(model, x)
    assert result.keys() == ["lstm"]
    assert max_abs(result["lstm"].hidden, want) <= TOL


def test_encoder_state_is_handed_to_the_decoder(translator):
    model, inputs = translator
    encoder_state = model.get_layer("encoder_gru").output[1]
    decoder_sequence = model.get_layer("decoder_gru").output[0]
    state, sequence = keras_outputs(model, [encoder_state, decoder_sequence], inputs)
    result = rnnlens.trace(model, inputs)
    assert result.keys() == ["encoder_gru", "decoder_gru"]
    assert max_abs(result["encoder_gru"].final_states()["hidden"], state) <= TOL
    assert max_abs(result["decoder_gru"].initial_states["hidden"], state) <= TOL
    assert max_abs(result["decoder_gru"].hidden, sequence) <= TOL


def test_choosing_the_decoder_still_runs_the_encoder_for_its_state(translator):
    model, inputs = translator
    (state,) = keras_outputs(model, [model.get_layer("encoder_gru").output[1]], inputs)
    result = rnnlens.trace(model, inputs, layers=["decoder_gru"])
    assert result.keys() == ["decoder_gru"]
    assert max_abs(result["decoder_gru"].initial_states["hidden"], state) <= TOL
    assert np.abs(state).max() > 1e-3  # a zero state would make the check above vacuous


def test_embedding_mask_zero_is_propagated_and_recorded():
    model = small_sentiment(mask_zero=True)
    tokens = random_tokens(4, 20, 50, seed=3)
    tokens[0, :6] = 0  # left padding
    tokens[1, 14:] = 0  # right padding
    (want,) = keras_outputs(model, [model.get_layer("lstm").output], tokens)
    tr = rnnlens.trace(model, tokens)["lstm"]
    np.testing.assert_array_equal(tr.mask, tokens != 0)
    assert max_abs(tr.final_states()["hidden"], want) <= TOL
    # Gates are not applied at padded steps: NaN there, finite elsewhere.
    assert np.isnan(tr.gates["forget_gate"][0, :6]).all()
    assert np.isfinite(tr.gates["forget_gate"][0, 6:]).all()


def test_user_supplied_initial_states_as_model_inputs():
    keras.utils.set_random_seed(2)
    x_in = keras.Input((4, 3), name="x")
    h_in, c_in = keras.Input((5,), name="h0"), keras.Input((5,), name="c0")
    out = keras.layers.LSTM(5, return_sequences=True, name="lstm")(x_in, initial_state=[h_in, c_in])
    model = keras.Model([x_in, h_in, c_in], out)
    rng = np.random.default_rng(0)
    arrays = {
        "x": random_series(3, 4, 3),
        "h0": rng.normal(size=(3, 5)).astype("float32"),
        "c0": rng.normal(size=(3, 5)).astype("float32"),
    }
    (want,) = keras_outputs(model, [out], [arrays["x"], arrays["h0"], arrays["c0"]])
    tr = rnnlens.trace(model, arrays)["lstm"]
    assert max_abs(tr.initial_states["hidden"], arrays["h0"]) == 0.0
    assert max_abs(tr.initial_states["cell_state"], arrays["c0"]) == 0.0
    assert max_abs(tr.hidden, want) <= TOL


def test_leading_masked_steps_with_a_nonzero_initial_state():
    # The state handed over is carried through leading padding; what Keras emits there is
    # backend-specific (zeros on TensorFlow), which `emitted` restates.
    keras.utils.set_random_seed(4)
    x_in, h_in = keras.Input((5, 2), name="x"), keras.Input((3,), name="h0")
    m_in = keras.Input((5,), dtype="bool", name="m")
    layer = keras.layers.GRU(3, return_sequences=True, return_state=True, name="gru")
    seq, state = layer(x_in, initial_state=h_in, mask=m_in)
    # Conv1D drops the mask, so the next GRU reads what the first emitted at the masked steps.
    after = keras.layers.GRU(2, return_sequences=True, name="after")(keras.layers.Conv1D(2, 1)(seq))
    model = keras.Model([x_in, h_in, m_in], [after, state])
    x = random_series(2, 5, 2)
    h0 = np.ones((2, 3), "float32")
    m = np.ones((2, 5), bool)
    m[0, :2] = False
    want_seq, want_state, want_after = keras_outputs(model, [seq, state, after], [x, h0, m])
    result = rnnlens.trace(model, [x, h0, m])
    assert max_abs(result["after"].hidden, want_after) <= TOL
    tr = result["gru"]
    np.testing.assert_array_equal(tr.mask, m)
    np.testing.assert_array_equal(tr.hidden[0, :2], np.ones((2, 3)))  # carried over
    assert max_abs(emitted(tr, layer, "tensorflow"), want_seq) <= TOL
    assert max_abs(tr.final_states()["hidden"], want_state) <= TOL


def test_a_propagated_mask_is_ignored_when_initial_state_is_passed_as_in_keras():
    keras.utils.set_random_seed(4)
    x_in, h_in = keras.Input((5, 2), name="x"), keras.Input((3,), name="h0")
    seq = keras.layers.GRU(3, return_sequences=True, name="gru")(
        keras.layers.Masking(0.0)(x_in), initial_state=h_in
    )
    model = keras.Model([x_in, h_in], seq)
    x = random_series(2, 5, 2)
    x[0, :2] = 0.0
    h0 = np.ones((2, 3), "float32")
    (want,) = keras_outputs(model, [seq], [x, h0])
    tr = rnnlens.trace(model, [x, h0])["gru"]
    assert tr.mask.all()  # Keras only fills `mask` for calls with a single tensor argument
    assert max_abs(tr.hidden, want) <= TOL


def test_nested_models_are_walked_into():
    keras.utils.set_random_seed(5)
    inner = keras.Sequential(
        [keras.Input((6, 3)), keras.layers.LSTM(4, return_sequences=True, name="lstm")],
        name="inner",
    )
    x_in = keras.Input((6, 3), name="x")
    masked = keras.layers.Masking(0.0)(x_in)
    inner_out = inner(masked)
    outer_out = keras.layers.GRU(3, name="gru")(inner_out)
    model = keras.Model(x_in, keras.layers.Dense(1)(outer_out))
    x = random_series(3, 6, 3)
    x[1, 4:] = 0.0
    want_inner, want_outer = keras_outputs(model, [inner_out, outer_out], x)
    result = rnnlens.trace(model, x)
    assert result.keys() == ["inner/lstm", "gru"]
    inner_trace = result["inner/lstm"]
    np.testing.assert_array_equal(inner_trace.mask[1], [True] * 4 + [False] * 2)
    real = inner_trace.mask
    assert max_abs(inner_trace.hidden[real], want_inner[real]) <= TOL
    assert max_abs(result["gru"].final_states()["hidden"], want_outer) <= TOL
    assert (
        result["gru"].mask[1].tolist() == [True] * 4 + [False] * 2
    )  # the mask crossed the nesting


def test_rnn_with_stacked_cells_traces_each_cell():
    keras.utils.set_random_seed(6)
    cells = [keras.layers.LSTMCell(4), keras.layers.GRUCell(3), keras.layers.SimpleRNNCell(2)]
    x_in = keras.Input((5, 3))
    out = keras.layers.RNN(cells, return_sequences=True, return_state=True, name="stack")(x_in)
    model = keras.Model(x_in, out)
    x = random_series(3, 5, 3)
    want = keras_outputs(model, keras.tree.flatten(out), x)  # output, [h, c] of the LSTM, h, h
    result = rnnlens.trace(model, x)
    assert result.keys() == ["stack.cells[0]", "stack.cells[1]", "stack.cells[2]"]
    assert [t.cell_type for t in result] == ["LSTM", "GRU", "SimpleRNN"]
    assert max_abs(result["stack.cells[2]"].hidden, want[0]) <= TOL
    finals = [v for t in result for v in t.final_states().values()]
    for got, expected in zip(finals, want[1:], strict=True):  # h, c of the LSTM; h of GRU; h of RNN
        assert max_abs(got, expected) <= TOL


def test_rnn_wrapping_a_builtin_cell_is_traced_exactly():
    keras.utils.set_random_seed(7)
    x_in = keras.Input((5, 3))
    out = keras.layers.RNN(keras.layers.GRUCell(4, reset_after=False), go_backwards=True, name="r")(
        x_in
    )
    model = keras.Model(x_in, out)
    x = random_series(2, 5, 3)
    (want,) = keras_outputs(model, [out], x)
    tr = rnnlens.trace(model, x)["r"]
    assert tr.cell_type == "GRU" and tr.processing_order == "backward"
    assert max_abs(tr.hidden[:, 0], want) <= TOL  # backwards: time 0 is processed last


@keras.saving.register_keras_serializable(package="rnnlens_tests")
class MinimalRNNCell(keras.layers.Layer):
    """The custom cell of the keras.layers.RNN docstring."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent")

    def call(self, inputs, states):
        output = keras.ops.tanh(
            keras.ops.matmul(inputs, self.kernel)
            + keras.ops.matmul(states[0], self.recurrent_kernel)
        )
        return output, [output]


class ScaledLSTMCell(keras.layers.LSTMCell):
    """An LSTMCell subclass that computes something else: it must not be traced as an LSTM."""

    def call(self, inputs, states, training=False):
        h, new_states = super().call(inputs * 2.0, states, training=training)
        return h, new_states


@pytest.mark.parametrize("cell_class", [MinimalRNNCell, ScaledLSTMCell])
def test_custom_cells_get_states_but_no_gates(cell_class):
    keras.utils.set_random_seed(8)
    x_in = keras.Input((6, 3))
    layer = keras.layers.RNN(cell_class(4), return_sequences=True, go_backwards=True, name="custom")
    out = layer(keras.layers.Masking(0.0)(x_in))
    model = keras.Model(x_in, out)
    x = random_series(3, 6, 3)
    x[2, 3:] = 0.0
    (want,) = keras_outputs(model, [out], x)
    tr = rnnlens.trace(model, x)["custom"]
    assert tr.gates == {} and tr.gate_names == ()
    assert cell_class.__name__ in tr.gates_unavailable and "no gates" in tr.gates_unavailable
    assert tr.state_names[0] == "state_0"
    assert max_abs(emitted(tr, layer, "tensorflow"), want) <= TOL


def test_stateful_layers_start_from_their_stored_states_and_keep_them():
    keras.utils.set_random_seed(9)
    x_in = keras.Input((4, 2), batch_size=3)
    layer = keras.layers.LSTM(3, stateful=True, return_sequences=True, name="lstm")
    model = keras.Model(x_in, layer(x_in))
    x = random_series(3, 4, 2)
    model(x)  # the stored states are now non-zero
    stored = [np.array(v.numpy()) for v in layer.states]
    tr = rnnlens.trace(model, x)["lstm"]
    after = [np.array(v.numpy()) for v in layer.states]
    assert all(np.array_equal(a, b) for a, b in zip(stored, after, strict=True))  # untouched
    assert max_abs(tr.initial_states["hidden"], stored[0]) == 0.0
    want = keras.ops.convert_to_numpy(model(x))  # Keras continues from the same stored states
    assert max_abs(tr.hidden, want) <= TOL


def test_a_shared_layer_called_twice_is_traced_per_call():
    keras.utils.set_random_seed(10)
    a, b = keras.Input((4, 2), name="a"), keras.Input((4, 2), name="b")
    shared = keras.layers.SimpleRNN(3, name="shared")
    out_a, out_b = shared(a), shared(b)
    model = keras.Model([a, b], [out_a, out_b])
    xa, xb = random_series(2, 4, 2, seed=1), random_series(2, 4, 2, seed=2)
    want_a, want_b = keras_outputs(model, [out_a, out_b], [xa, xb])
    result = rnnlens.trace(model, [xa, xb])
    assert sorted(result.keys()) == ["shared", "shared[1]"]  # numbered in call order
    assert max_abs(result["shared"].hidden[:, -1], want_a) <= TOL
    assert max_abs(result["shared[1]"].hidden[:, -1], want_b) <= TOL


def test_layers_before_the_recurrent_one_and_unrolled_loops():
    keras.utils.set_random_seed(12)
    x_in = keras.Input((8, 3))
    conv = keras.layers.Conv1D(4, 3, strides=2)(x_in)
    out = keras.layers.LSTM(3, unroll=True, return_sequences=True, name="lstm")(conv)
    model = keras.Model(x_in, out)
    x = random_series(2, 8, 3)
    (want,) = keras_outputs(model, [out], x)
    tr = rnnlens.trace(model, x)["lstm"]
    assert tr.n_timesteps == 3
    assert max_abs(tr.hidden, want) <= TOL


def test_bidirectional_halves_are_traced_separately():
    keras.utils.set_random_seed(13)
    x_in = keras.Input((5, 2))
    bi = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="bi")
    out = bi(x_in)
    model = keras.Model(x_in, out)
    x = random_series(2, 5, 2)
    (want,) = keras_outputs(model, [out], x)
    result = rnnlens.trace(model, x)
    fw, bw = result["bi.forward"], result["bi.backward"]
    assert (fw.processing_order, bw.processing_order) == ("forward", "backward")
    assert fw.bidirectional and bw.direction == "backward"
    assert max_abs(fw.hidden, want[..., :3]) <= TOL
    assert max_abs(bw.hidden, want[..., 3:]) <= TOL  # original time order, as Keras concatenates
    assert rnnlens.trace(model, x, layers="bi").keys() == ["bi.forward", "bi.backward"]


def test_quantities_keep_hidden_and_the_named_ones():
    model = small_sentiment()
    tokens = random_tokens(2, 20, 50)
    tr = rnnlens.trace(model, tokens, quantities=["forget_gate"])["lstm"]
    assert tr.quantities == ("hidden", "forget_gate")
    full = rnnlens.trace(model, tokens)["lstm"]
    assert max_abs(tr.values["forget_gate"], full.values["forget_gate"]) == 0.0


def test_nested_keys_answer_to_their_bare_name_too():
    keras.utils.set_random_seed(14)
    inner = keras.Sequential([keras.Input((4, 2)), keras.layers.GRU(2, name="gru")], name="enc")
    x_in = keras.Input((4, 2))
    model = keras.Model(x_in, inner(x_in))
    result = rnnlens.trace(model, random_series(2, 4, 2), layers="gru")
    assert result.keys() == ["enc/gru"]
    assert result["gru"] is result["enc/gru"]


def test_bidirectional_initial_states_are_split_between_the_halves():
    keras.utils.set_random_seed(15)
    x_in = keras.Input((4, 2), name="x")
    states_in = [keras.Input((3,), name=f"s{k}") for k in range(4)]  # h, c forward; h, c backward
    bi = keras.layers.Bidirectional(
        keras.layers.LSTM(3, return_sequences=True, return_state=True), merge_mode=None, name="bi"
    )
    out = bi(x_in, initial_state=states_in)
    model = keras.Model([x_in, *states_in], out)
    rng = np.random.default_rng(1)
    arrays = [random_series(2, 4, 2)] + [
        rng.normal(size=(2, 3)).astype("float32") for _ in range(4)
    ]
    want = keras_outputs(model, list(out), arrays)  # y, y_rev, h_f, c_f, h_b, c_b
    result = rnnlens.trace(model, arrays)
    fw, bw = result["bi.forward"], result["bi.backward"]
    assert max_abs(fw.initial_states["cell_state"], arrays[2]) == 0.0
    assert max_abs(bw.initial_states["hidden"], arrays[3]) == 0.0
    assert max_abs(fw.hidden, want[0]) <= TOL
    assert max_abs(bw.hidden, want[1]) <= TOL  # Keras flips the backward sequence to input order
    finals = [*fw.final_states().values(), *bw.final_states().values()]
    for got, expected in zip(finals, want[2:], strict=True):
        assert max_abs(got, expected) <= TOL
