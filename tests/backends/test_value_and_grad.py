"""The gradient seam: values and input gradients of a model function, on every backend."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from rnnlens import backends
from tests.backend_runner import run_in_backend, skip_unless_backend

SNIPPET = """
import json
import numpy as np
from tests.backends.test_value_and_grad import check
print(json.dumps(check()))
"""


def check() -> dict:
    """Run the seam on Dense(3) with fixed weights: F = sum(out * w) so dF/dx = w @ K.T exactly."""
    from keras import ops

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    kernel = np.arange(12, dtype="float32").reshape(4, 3) / 10
    model.layers[0].set_weights([kernel, np.array([1.0, -1.0, 0.5], "float32")])
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    unused = np.ones((2, 5), "float32")
    w = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]], "float32")

    def fn(call, inputs, extras):
        return ops.sum(call(inputs[0]) * extras[0], axis=-1)

    values, (grad_x, grad_unused) = backends.value_and_grad(fn, model)([x, unused], [w])
    forward = backends.model_function(lambda call, inputs, extras: [call(inputs[0])], model)(
        [x], []
    )
    expected_out = x @ kernel + np.array([1.0, -1.0, 0.5])
    return {
        "backend": backends.name(),
        "values_error": float(np.max(np.abs(values - (expected_out * w).sum(axis=-1)))),
        "grad_error": float(np.max(np.abs(grad_x - w @ kernel.T))),
        "unused_is_zero": bool(np.all(grad_unused == 0)) and grad_unused.shape == (2, 5),
        "forward_error": float(np.max(np.abs(forward[0] - expected_out))),
        "types": [type(values).__module__, type(grad_x).__module__],
    }


def _assert_ok(report: dict) -> None:
    assert report["values_error"] < 1e-5
    assert report["grad_error"] < 1e-5
    assert report["unused_is_zero"]
    assert report["forward_error"] < 1e-5
    assert report["types"] == ["numpy", "numpy"]


def test_tensorflow_seam():
    report = check()
    assert report["backend"] == "tensorflow"
    _assert_ok(report)


def test_jax_seam():
    report = run_in_backend("jax", SNIPPET)
    assert report["backend"] == "jax"
    _assert_ok(report)


@skip_unless_backend("torch")
def test_torch_seam():
    report = run_in_backend("torch", SNIPPET)
    assert report["backend"] == "torch"
    _assert_ok(report)


def test_unknown_backend_is_refused(monkeypatch):
    from rnnlens.errors import UnsupportedLayerError

    monkeypatch.setattr(backends, "name", lambda: "numpy")
    with pytest.raises(UnsupportedLayerError, match="KERAS_BACKEND"):
        backends.value_and_grad(lambda *a: None, None)


def test_snippet_prints_json():
    assert json.loads(json.dumps(check()))["backend"] == "tensorflow"
