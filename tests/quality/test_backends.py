"""The curves run through the backend seam: the linear identity holds on JAX (and torch if installed)."""

from __future__ import annotations

import pytest

from tests.backend_runner import run_in_backend, skip_unless_backend

_SNIPPET = """
import json
import numpy as np
import keras
import rnnlens
from rnnlens.quality import deletion_curve

model = keras.Sequential([keras.Input(shape=(4, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
w = np.random.default_rng(11).normal(size=(12, 1)).astype("float32")
model.layers[-1].set_weights([w, np.array([0.3], "float32")])
x = np.random.default_rng(3).normal(size=(3, 4, 3)).astype("float32")
result = rnnlens.attribute(model, x, method="ig")
curve = deletion_curve(model, x, result, steps=12)
terms = (x.astype(np.float64) * w.reshape(4, 3)).reshape(3, -1)
order = np.argsort(-np.abs(terms), axis=1, kind="stable")
drops = np.cumsum(np.take_along_axis(terms, order, axis=1), axis=1)
f_x = np.asarray(model.predict(x, verbose=0), np.float64)[:, 0]
expected = f_x[:, None] - np.concatenate([np.zeros((3, 1)), drops], axis=1)
print(json.dumps({"backend": keras.backend.backend(), "error": float(np.abs(curve.curves - expected).max())}))
"""


@pytest.mark.parametrize(
    "backend", ["jax", pytest.param("torch", marks=skip_unless_backend("torch"))]
)
def test_linear_identity_on_other_backends(backend):
    report = run_in_backend(backend, _SNIPPET)
    assert report["backend"] == backend
    assert report["error"] < 1e-5
