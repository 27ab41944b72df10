"""Every recurrent configuration the issue names: Bidirectional merges, return_state, masks, go_backwards,
stacking, nesting, RNN(cell), TimeDistributed heads and multi-output models."""

from __future__ import annotations

import keras
import pytest

from rnnlens import inspect_model


def _seq_input(timesteps=5, features=3):
    return keras.Input((timesteps, features), name="x")


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_bidirectional_merge_modes(merge_mode):
    x = _seq_input()
    y = keras.layers.Bidirectional(
        keras.layers.LSTM(4, return_sequences=True), merge_mode=merge_mode
    )(x)
    spec = inspect_model(keras.Model(x, y))
    out = spec.outputs[0]
    width = 8 if merge_mode == "concat" else 4
    assert out.shape == (None, 5, width)
    assert out.axes == ("batch", "time", "units")
    assert out.direction == "bidirectional"
    assert out.causal is False
    assert out.head.meaning == "hidden_state"
    layer = spec.recurrent_layers[0]
    assert layer.bidirectional and layer.merge_mode == merge_mode
    assert layer.output_units == width
    text = " ".join(out.facts)
    if merge_mode == "concat":
        assert "[:4] is the forward direction, [4:] the backward direction" in text
    else:
        assert "can no longer be told apart" in text


def test_bidirectional_without_merge_gives_two_tensors_and_states():
    x = _seq_input()
    outs = keras.layers.Bidirectional(
        keras.layers.LSTM(4, return_sequences=True, return_state=True), merge_mode=None
    )(x)
    spec = inspect_model(keras.Model(x, list(outs)))
    kinds = [(o.kind, o.direction) for o in spec.outputs]
    assert kinds == [
        ("sequence", "forward"),
        ("sequence", "backward"),
        ("state_h", "forward"),
        ("state_c", "forward"),
        ("state_h", "backward"),
        ("state_c", "backward"),
    ]
    assert all(o.shape[-1] == 4 for o in spec.outputs)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_return_state_pieces(cell, return_sequences):
    x = _seq_input()
    layer = getattr(keras.layers, cell)(4, return_state=True, return_sequences=return_sequences)
    outs = layer(x)
    spec = inspect_model(keras.Model(x, list(outs)))
    expected = ["state_h", "state_c"] if cell == "LSTM" else ["state_h"]
    assert [o.kind for o in spec.outputs] == [
        "sequence" if return_sequences else "last_step",
        *expected,
    ]
    main, state_h = spec.outputs[0], spec.outputs[1]
    assert main.source_output == "output" and state_h.source_output == "state_h"
    assert state_h.axes == ("batch", "units")
    if return_sequences:
        assert any("output[:, -1, :] equals state_h" in f for f in main.facts)
    else:
        assert any("equals state_h" in f for f in main.facts)
    if cell == "LSTM":
        assert any("long-term memory" in f for f in spec.outputs[2].facts)


def test_go_backwards_sequence_is_reversed_and_not_causal():
    x = _seq_input()
    y = keras.layers.GRU(4, return_sequences=True, go_backwards=True)(x)
    out = inspect_model(keras.Model(x, y)).outputs[0]
    assert out.direction == "backward"
    assert out.causal is False
    assert any("output step 0 belongs to the LAST input step" in f for f in out.facts)


@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_sequence_output(zero_output):
    x = _seq_input()
    masked = keras.layers.Masking(0.0)(x)
    y = keras.layers.LSTM(4, return_sequences=True, zero_output_for_mask=zero_output)(masked)
    spec = inspect_model(keras.Model(x, y))
    layer = spec.recurrent_layers[0]
    assert layer.masked and layer.zero_output_for_mask is zero_output
    text = " ".join(spec.outputs[0].facts)
    assert ("is zero" in text) is zero_output
    assert ("repeats the previous step's output" in text) is (not zero_output)


def test_bidirectional_forces_zero_output_for_mask():
    tokens = keras.Input((6,), dtype="int32")
    emb = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    y = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))(emb)
    spec = inspect_model(keras.Model(tokens, y))
    assert spec.recurrent_layers[0].masked
    assert spec.inputs[0].mask_zero
    assert any("Bidirectional forces this" in f for f in spec.outputs[0].facts)


def test_stacked_layers_keep_causality_and_report_the_top_layer():
    model = keras.Sequential(
        [
            _seq_input(),
            keras.layers.LSTM(4, return_sequences=True, name="lower"),
            keras.layers.GRU(3, return_sequences=True, name="upper"),
            keras.layers.TimeDistributed(keras.layers.Dense(2, activation="softmax"), name="head"),
        ]
    )
    model.compile(loss="categorical_crossentropy")
    spec = inspect_model(model)
    assert [layer.name for layer in spec.recurrent_layers] == ["lower", "upper"]
    out = spec.outputs[0]
    assert out.source_layer == "upper"
    assert out.head.activation == "softmax" and out.head.layers == ("head",)
    assert out.causal is True
    assert out.task == "sequence_labelling"


def test_stacked_cells_and_rnn_cell_wrappers():
    x = _seq_input()
    y = keras.layers.RNN(
        keras.layers.StackedRNNCells([keras.layers.LSTMCell(4), keras.layers.GRUCell(3)]),
        return_state=True,
        name="stack",
    )(x)
    spec = inspect_model(keras.Model(x, list(y)))
    layer = spec.layer("stack")
    assert layer.kind == "Stacked(LSTM, GRU)"
    assert layer.units == 3
    assert layer.state_names == ("cell0.state_h", "cell0.state_c", "cell1.state_h")
    assert [o.kind for o in spec.outputs] == ["last_step", *layer.state_names]


def test_nested_model_layers_are_found_with_their_path():
    inner_in = _seq_input()
    inner = keras.Model(inner_in, keras.layers.LSTM(4, name="deep_lstm")(inner_in), name="encoder")
    x = _seq_input()
    y = keras.layers.Dense(1, activation="sigmoid", name="p")(inner(x))
    spec = inspect_model(keras.Model(x, y))
    (layer,) = spec.recurrent_layers
    assert layer.name == "deep_lstm" and layer.path == ("encoder",)
    out = spec.outputs[0]
    assert out.source_layer == "deep_lstm"
    assert out.kind == "last_step"
    assert out.head.meaning == "probability"


def test_multi_output_model_gets_per_output_losses_and_tasks():
    x = _seq_input()
    seq, h, _c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(x)
    per_step = keras.layers.Dense(1, name="per_step")(seq)
    label = keras.layers.Dense(3, activation="softmax", name="label")(h)
    model = keras.Model(x, {"per_step": per_step, "label": label})
    model.compile(loss={"per_step": "mae", "label": "sparse_categorical_crossentropy"})
    spec = inspect_model(model)
    by_name = {o.name: o for o in spec.outputs}
    assert (
        by_name["per_step"].task == "forecasting"
        and by_name["per_step"].loss == "mean_absolute_error"
    )
    assert by_name["label"].task == "multiclass_classification"
    assert by_name["label"].kind == "state_h"
    assert spec.task == "multi-task"


def test_stateful_layer_is_flagged():
    x = keras.Input(batch_shape=(2, 5, 3))
    y = keras.layers.LSTM(4, stateful=True)(x)
    spec = inspect_model(keras.Model(x, y))
    assert spec.recurrent_layers[0].stateful
    assert any("reset_states" in f for f in spec.outputs[0].facts)


def test_model_without_recurrence_is_still_described():
    x = keras.Input((4,))
    spec = inspect_model(keras.Model(x, keras.layers.Dense(2, activation="softmax")(x)))
    assert not spec.has_recurrent_layers
    assert spec.pattern == "no-recurrence"
    assert spec.outputs[0].head.meaning == "distribution"
    assert "no recurrent layer" in spec.explain()


def test_time_distributed_recurrent_layer_runs_per_outer_step():
    x = keras.Input((4, 6, 3))
    per_chunk = keras.layers.TimeDistributed(keras.layers.LSTM(5), name="per_chunk")(x)
    summary = keras.layers.GRU(2, name="summary")(per_chunk)
    spec = inspect_model(keras.Model(x, [per_chunk, summary]))
    inner = spec.layer("per_chunk")
    assert inner.time_distributed and inner.timesteps == 6 and inner.kind == "LSTM"
    first, second = spec.outputs
    assert first.shape == (None, 4, 5) and first.axes == ("batch", "time", "units")
    assert any("TimeDistributed" in fact for fact in first.facts)
    assert second.source_layer == "summary" and second.kind == "last_step"
