"""The same exactness checks on the JAX and PyTorch backends (each in a subprocess: Keras fixes its backend
at import)."""

from __future__ import annotations

import pytest

from tests.backend_runner import run_in_backend, skip_unless_backend

SNIPPET = """
import json
import keras
import numpy as np
import rnnlens
from tests.helpers import random_series, random_tokens, small_translator
from tests.tracing.reference import TOL, emitted, keras_outputs, max_abs
from tests.tracing.sweep import Config, build, check, make_inputs

backend = keras.backend.backend()
worst = {}
configs = [
    Config("LSTM", 3, False, True, "tanh", "sigmoid", True, "left", None, True, True, True, 1),
    Config("LSTM", 2, False, False, "relu", "hard_sigmoid", False, "middle", "concat", False, True, True, 2),
    Config("GRU", 3, True, True, "tanh", "sigmoid", False, "right", "ave", True, True, False, 3),
    Config("GRU", 2, False, True, "softsign", "tanh", True, "left", None, False, True, True, 4),
    Config("SimpleRNN", 3, False, True, "tanh", "sigmoid", False, "middle", "none", False, True, True, 5),
]
for config in configs:
    built = build(config)
    result = rnnlens.trace(built[0], make_inputs(config))
    for name, value in check(config, built, result, backend).items():
        worst[name] = max(worst.get(name, 0.0), value)

model = small_translator()
inputs = [random_tokens(3, 6, 20, seed=1), random_tokens(3, 5, 20, seed=2)]
state, sequence = keras_outputs(
    model,
    [model.get_layer("encoder_gru").output[1], model.get_layer("decoder_gru").output[0]],
    inputs,
)
result = rnnlens.trace(model, inputs)
worst["encoder_decoder"] = max(
    max_abs(result["decoder_gru"].initial_states["hidden"], state),
    max_abs(result["decoder_gru"].hidden, sequence),
)

# Leading masked steps with a handed-over state: the emitted output there differs between backends.
keras.utils.set_random_seed(4)
x_in, h_in = keras.Input((5, 2)), keras.Input((3,))
m_in = keras.Input((5,), dtype="bool")
layer = keras.layers.GRU(3, return_sequences=True, name="gru")
seq = layer(x_in, initial_state=h_in, mask=m_in)
# Conv1D drops the mask, so the next GRU reads what the first emitted at the masked steps.
after = keras.layers.GRU(2, return_sequences=True, name="after")(keras.layers.Conv1D(2, 1)(seq))
model = keras.Model([x_in, h_in, m_in], after)
m = np.ones((2, 5), bool)
m[0, :2] = False
arrays = [random_series(2, 5, 2), np.ones((2, 3), "float32"), m]
want, want_after = keras_outputs(model, [seq, after], arrays)
result = rnnlens.trace(model, arrays)
worst["leading_mask"] = max(
    max_abs(emitted(result["gru"], layer, backend), want),
    max_abs(result["after"].hidden, want_after),
)
print(json.dumps({"backend": result.backend, "worst": worst}))
"""


def _check(backend: str) -> None:
    report = run_in_backend(backend, SNIPPET)
    assert report["backend"] == backend
    assert report["worst"], report
    for name, value in report["worst"].items():
        assert value <= 1e-5, f"{backend}: {name} differs from Keras by {value}"


def test_trace_equals_keras_on_jax():
    _check("jax")


@skip_unless_backend("torch")
def test_trace_equals_keras_on_torch():
    _check("torch")


@pytest.mark.parametrize("backend", ["jax"])
def test_trace_files_are_portable_across_backends(backend, tmp_path, bi_trace):
    # A trace saved under TensorFlow reads back, identical, under another backend.
    path = bi_trace.save(tmp_path / "tf.npz")
    code = f"""
import json
import numpy as np
import rnnlens
loaded = rnnlens.Trace.load({str(path)!r})
print(json.dumps({{"keys": loaded.keys(), "sum": float(np.nansum(loaded["gru"].hidden))}}))
"""
    report = run_in_backend(backend, code)
    assert report["keys"] == bi_trace.keys()
    assert report["sum"] == pytest.approx(float(bi_trace["gru"].hidden.sum()), abs=1e-6)
