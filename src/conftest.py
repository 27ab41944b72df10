"""Doctest settings for the examples in ``src/rnnlens`` (``pytest`` runs them with ``--doctest-modules``).

Not part of the installed package. Examples may use ``np``, ``keras``, ``rnnlens`` and a tiny untrained
model: ``model`` maps ``x`` ``(4, 6, 2)`` through an ``LSTM(3)`` named ``"lstm"`` with constant weights, so
outputs are the same on every machine. It is built once per session, so repeated ``rnnlens.trace(model, x)``
calls reuse one compiled function. ``folder`` is a temporary folder (a ``pathlib.Path``) for examples that
write or read files, shared by the session (use a file name of your own).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Modules that must not be imported to read their docstrings: the entry point runs the CLI, and each
# framework module of the backend seam imports its framework (imported lazily by rnnlens.backends).
collect_ignore = [
    "rnnlens/__main__.py",
    "rnnlens/backends/jax.py",
    "rnnlens/backends/tensorflow.py",
    "rnnlens/backends/torch.py",
]


def _tiny_model() -> Any:
    import keras

    inputs = keras.Input((6, 2), name="x")
    lstm = keras.layers.LSTM(
        3,
        return_sequences=True,
        name="lstm",
        kernel_initializer=keras.initializers.Constant(0.3),
        recurrent_initializer=keras.initializers.Constant(-0.2),
    )
    outputs = keras.layers.Dense(1, name="head", kernel_initializer="ones")(lstm(inputs))
    return keras.Model(inputs, outputs, name="tiny")


@pytest.fixture(autouse=True, scope="session")
def _doctest_names(
    doctest_namespace: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import keras
    import numpy as np

    import rnnlens

    doctest_namespace.update(
        np=np,
        keras=keras,
        rnnlens=rnnlens,
        model=_tiny_model(),
        x=np.linspace(-1.0, 1.0, 4 * 6 * 2, dtype="float32").reshape(4, 6, 2),
        # reference data "from the training distribution" for background examples
        x_train=np.sin(np.arange(100 * 6 * 2, dtype="float32")).reshape(100, 6, 2),
        folder=tmp_path_factory.mktemp("doctest"),
    )
