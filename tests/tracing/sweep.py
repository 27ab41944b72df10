"""Random recurrent models for the property-based exactness tests, and the checks run on each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from tests.tracing.reference import (
    TOL,
    emitted,
    gate_range,
    keras_outputs,
    max_abs,
    max_err,
    numpy_activation,
    previous,
)

TIMESTEPS, FEATURES, BATCH = 5, 3, 4


@dataclass(frozen=True)
class Config:
    """One point of the sweep."""

    cell: str
    units: int
    reset_after: bool
    use_bias: bool
    activation: str
    recurrent_activation: str
    go_backwards: bool
    mask: str  # none | left | right | middle
    merge_mode: str | None  # None: not bidirectional; "none": Bidirectional(merge_mode=None)
    stacked: bool
    return_state: bool
    return_sequences: bool
    seed: int


def make_layer(config: Config, name: str, return_sequences: bool) -> keras.layers.Layer:
    """The recurrent layer a config describes (wrapped in Bidirectional when it has a merge mode)."""
    common: dict[str, Any] = {
        "units": config.units,
        "activation": config.activation,
        "use_bias": config.use_bias,
        # Bidirectional builds its backward half by flipping go_backwards; Keras refuses a backwards layer.
        "go_backwards": config.go_backwards and config.merge_mode is None,
        "return_state": config.return_state,
        "return_sequences": return_sequences,
        "bias_initializer": "glorot_uniform",  # non-zero biases, so a bias mix-up shows
    }
    if config.cell == "LSTM":
        layer = keras.layers.LSTM(recurrent_activation=config.recurrent_activation, **common)
    elif config.cell == "GRU":
        layer = keras.layers.GRU(
            recurrent_activation=config.recurrent_activation,
            reset_after=config.reset_after,
            **common,
        )
    else:
        layer = keras.layers.SimpleRNN(**common)
    if config.merge_mode is None:
        layer.name = name
        return layer
    mode = None if config.merge_mode == "none" else config.merge_mode
    return keras.layers.Bidirectional(layer, merge_mode=mode, name=name)


def build(config: Config) -> tuple[keras.Model, list[keras.layers.Layer], list[Any]]:
    """The model, its recurrent layers and each layer's symbolic outputs."""
    keras.utils.set_random_seed(config.seed)
    inputs = keras.Input((TIMESTEPS, FEATURES), name="x")
    x = keras.layers.Masking(0.0)(inputs) if config.mask != "none" else inputs
    layers, outputs = [], []
    first = make_layer(config, "rnn_1", True if config.stacked else config.return_sequences)
    out = first(x)
    layers.append(first)
    outputs.append(out)
    if config.stacked:
        second = make_layer(config, "rnn_2", config.return_sequences)
        sequence = out[0] if isinstance(out, list | tuple) else out
        layers.append(second)
        outputs.append(second(sequence))
    flat = [t for o in outputs for t in (o if isinstance(o, list | tuple) else [o])]
    return keras.Model(inputs, flat), layers, outputs


def make_inputs(config: Config) -> np.ndarray:
    """Random inputs with padded (all-zero) steps where the config's mask says so."""
    rng = np.random.default_rng(config.seed)
    x = rng.normal(size=(BATCH, TIMESTEPS, FEATURES)).astype("float32")
    if config.mask == "left":
        x[1, :2] = 0.0
        x[2, :4] = 0.0
    elif config.mask == "right":
        x[1, 3:] = 0.0
        x[2, 1:] = 0.0
    elif config.mask == "middle":
        x[1, 2:4] = 0.0
        x[3, 1] = 0.0
    return x


def check(config: Config, built: Any, result: Any, backend: str) -> dict[str, float]:
    """Compare a trace of ``built = build(config)`` with Keras; returns the worst error of each check.

    Raises AssertionError with the config on the first failure.
    """
    model, layers, outputs = built
    x = make_inputs(config)
    flat_refs = keras_outputs(model, model.outputs, x)
    worst = {"output": 0.0, "states": 0.0, "identity": 0.0}
    k = 0
    for layer, out in zip(layers, outputs, strict=True):
        n = len(out) if isinstance(out, list | tuple) else 1
        refs, k = flat_refs[k : k + n], k + n
        if isinstance(layer, keras.layers.Bidirectional):
            fw, bw = result[f"{layer.name}.forward"], result[f"{layer.name}.backward"]
            y, y_rev = (
                emitted(fw, layer.forward_layer, backend),
                emitted(bw, layer.backward_layer, backend),
            )
            if layer.return_sequences:
                y_rev = y_rev[:, ::-1]
            merged = {
                "concat": [np.concatenate([y, y_rev], -1)],
                "sum": [y + y_rev],
                "ave": [(y + y_rev) / 2],
                "mul": [y * y_rev],
            }.get(layer.merge_mode, [y, y_rev])
            states = [*fw.final_states().values(), *bw.final_states().values()]
            traces = [fw, bw]
        else:
            tr = result[layer.name]
            merged, states, traces = (
                [emitted(tr, layer, backend)],
                list(tr.final_states().values()),
                [tr],
            )
        for got, want in zip(merged, refs[: len(merged)], strict=True):
            worst["output"] = max(worst["output"], max_err(got, want))
        if config.return_state:
            for got, want in zip(states, refs[len(merged) :], strict=True):
                worst["states"] = max(worst["states"], max_err(got, want))
        for tr in traces:
            worst["identity"] = max(worst["identity"], check_identities(tr, config))
    for name, value in worst.items():
        assert value <= TOL, f"{name} differs from Keras by {value:.3g} for {config}"
    return worst


def check_identities(tr: Any, config: Config) -> float:
    """Cell equations between traced quantities, carried states at masked steps, gate ranges."""
    mask = np.asarray(tr.mask)[..., None]
    worst = 0.0
    for name in tr.state_names:
        before = previous(tr.values[name], tr.initial_states[name], tr.processing_order)
        worst = max(worst, max_abs(np.where(mask, 0, tr.values[name]), np.where(mask, 0, before)))
    gates = tr.gates
    for name, values in gates.items():
        real = np.asarray(values)[np.broadcast_to(mask, values.shape)]
        assert np.all(np.isnan(np.asarray(values)[~np.broadcast_to(mask, values.shape)])), name
        if name == "pre_activation":
            continue
        fn = config.recurrent_activation if name.endswith("_gate") else config.activation
        low, high = gate_range(fn)
        assert real.min() >= low - 1e-6 and real.max() <= high + 1e-6, (
            name,
            fn,
            real.min(),
            real.max(),
        )
    act = numpy_activation(keras.activations.get(config.activation))
    real = np.broadcast_to(mask, tr.hidden.shape)
    if tr.cell_type == "LSTM":
        c_prev = previous(tr.cell_state, tr.initial_states["cell_state"], tr.processing_order)
        c = gates["forget_gate"] * c_prev + gates["input_gate"] * gates["candidate"]
        worst = max(worst, max_err(c[real], np.asarray(tr.cell_state)[real]))
        h = gates["output_gate"] * act(np.asarray(tr.cell_state))
        worst = max(worst, max_err(h[real], np.asarray(tr.hidden)[real]))
    elif tr.cell_type == "GRU":
        h_prev = previous(tr.hidden, tr.initial_states["hidden"], tr.processing_order)
        z = gates["update_gate"]
        h = z * h_prev + (1 - z) * gates["candidate"]
        worst = max(worst, max_err(h[real], np.asarray(tr.hidden)[real]))
    else:
        h = act(np.nan_to_num(np.asarray(gates["pre_activation"])))
        worst = max(worst, max_err(h[real], np.asarray(tr.hidden)[real]))
    return worst
