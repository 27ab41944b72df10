"""Under the ``mixed_float16`` policy the cells compute in float16 from float32 weights, as Keras does.

Keras casts every weight to the layer's compute dtype inside its own call; the tracers read the weights
outside a Keras call, so tracing must apply the same cast (it used to fail with float16 x float32 Mul).
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import pytest

import rnnlens
from tests.helpers import random_series
from tests.tracing.reference import emitted, keras_outputs

# float16 has a 10-bit mantissa (eps ~ 1e-3); states in [-1, 1] after a few steps agree to a few ulps.
FLOAT16_TOL = 1e-2


@pytest.fixture
def mixed_float16() -> Iterator[None]:
    """Build models under ``mixed_float16``; the global policy is restored whatever the test does."""
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _build(kind: str) -> keras.Model:
    keras.utils.set_random_seed(3)
    x_in = keras.Input((7, 3), name="x")
    masked = keras.layers.Masking(0.0)(x_in)
    if kind == "bidirectional":
        seq = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True), name="rnn")(
            masked
        )
    else:
        layer = {
            "lstm": keras.layers.LSTM,
            "gru": keras.layers.GRU,
            "simple": keras.layers.SimpleRNN,
        }
        seq = layer[kind](4, return_sequences=True, name="rnn")(masked)
    out = keras.layers.Dense(1, name="head")(seq)
    return keras.Model(x_in, out, name=f"mixed_{kind}")


def _inputs() -> np.ndarray:
    x = random_series(3, 7, 3, seed=2)
    x[1, 5:] = 0.0  # a padded tail: masking must still follow Keras
    return x


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple", "bidirectional"])
def test_trace_follows_the_compute_dtype_and_equals_keras(mixed_float16, kind):
    model = _build(kind)
    assert model.get_layer("rnn").compute_dtype == "float16"
    x = _inputs()
    trace = rnnlens.trace(model, x)
    layer = model.get_layer("rnn")
    halves = (
        [layer.forward_layer, layer.backward_layer]
        if isinstance(layer, keras.layers.Bidirectional)
        else [layer]
    )
    (expected,) = keras_outputs(model, [layer.output], x)
    traced = [
        emitted(part, rnn, keras.backend.backend())
        for part, rnn in zip(trace.layers, halves, strict=True)
    ]
    if len(traced) == 2:
        traced = [np.concatenate([traced[0], traced[1][:, ::-1]], axis=-1)]
    for part in trace.layers:
        assert part.hidden.dtype == np.float16
    np.testing.assert_allclose(
        traced[0].astype("float32"), expected.astype("float32"), atol=FLOAT16_TOL
    )


def test_lstm_identity_holds_in_float16(mixed_float16):
    model = _build("lstm")
    part = rnnlens.trace(model, _inputs())["rnn"]
    gates = {name: part.gates[name].astype("float64") for name in part.gate_names}
    c = part.values["cell_state"].astype("float64")
    c_prev = np.concatenate([part.initial_states["cell_state"][:, None], c[:, :-1]], axis=1)
    real = part.mask
    identity = gates["forget_gate"] * c_prev + gates["input_gate"] * gates["candidate"]
    np.testing.assert_allclose(identity[real], c[real], atol=FLOAT16_TOL)


def test_report_under_mixed_precision(mixed_float16, tmp_path):
    model = _build("lstm")
    path = rnnlens.report(model, _inputs(), tmp_path / "mixed.html", attributions=False)
    text = path.read_text(encoding="utf-8")
    assert 'id="states-0"' in text and 'id="forecast-0"' in text
