"""Hand-written Keras 2-style .h5 files and a NumPy forward pass with Keras 2 semantics (the reference)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np


def write_keras2_h5(
    path: Path,
    version: str,
    model_config: dict[str, Any],
    weights: dict[str, list[tuple[str, np.ndarray]]],
) -> Path:
    """Write ``model_config`` and ``{layer: [(weight name, array)]}`` the way Keras 2's ``save`` did."""
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = version.encode()
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["model_config"] = json.dumps(model_config).encode()
        handle.attrs["training_config"] = json.dumps(
            {"loss": "mse", "optimizer_config": {}}
        ).encode()
        group = handle.create_group("model_weights")
        group.attrs["layer_names"] = [name.encode() for name in weights]
        for layer, arrays in weights.items():
            layer_group = group.create_group(layer)
            layer_group.attrs["weight_names"] = [name.encode() for name, _ in arrays]
            for name, array in arrays:
                layer_group.create_dataset(name, data=array.astype("float32"))
    return path


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """Keras 2's: clip(0.2 x + 0.5, 0, 1)."""
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    "hard_sigmoid": hard_sigmoid,
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "linear": lambda x: x,
}


def lstm(x, kernel, recurrent, bias, recurrent_activation="hard_sigmoid", go_backwards=False):
    """Keras 2 LSTM: returns the hidden states ``(batch, time, units)`` and the gates by name."""
    act = ACTIVATIONS[recurrent_activation]
    units = recurrent.shape[0]
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("hidden", "input_gate", "forget_gate", "candidate", "output_gate")
    }
    for t in steps:
        z = x[:, t] @ kernel + h @ recurrent + bias
        # Keras's gate order in the kernel: i, f, c, o.
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        i, f, g, o = act(i), act(f), np.tanh(g), act(o)
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip(out, (h, i, f, g, o), strict=True):
            out[name].append(value)
    return {name: np.stack(values, axis=1) for name, values in out.items()}


def gru(x, kernel, recurrent, bias, reset_after, recurrent_activation="hard_sigmoid"):
    """Keras 2 GRU (gate order z, r, h); ``bias`` is ``(3u,)`` or, with ``reset_after``, ``(2, 3u)``."""
    act = ACTIVATIONS[recurrent_activation]
    units = recurrent.shape[0]
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    h = np.zeros((x.shape[0], units))
    out: dict[str, list[np.ndarray]] = {"hidden": [], "update_gate": [], "reset_gate": []}
    s = slice
    for t in range(x.shape[1]):
        xs = x[:, t] @ kernel + input_bias
        xz, xr, xh = xs[:, s(0, units)], xs[:, s(units, 2 * units)], xs[:, s(2 * units, None)]
        inner = h @ recurrent + recurrent_bias
        z = act(xz + inner[:, :units])
        r = act(xr + inner[:, units : 2 * units])
        if reset_after:
            hh = np.tanh(xh + r * inner[:, 2 * units :])
        else:
            hh = np.tanh(xh + (r * h) @ recurrent[:, 2 * units :])
        h = z * h + (1 - z) * hh
        for name, value in zip(out, (h, z, r), strict=True):
            out[name].append(value)
    return {name: np.stack(values, axis=1) for name, values in out.items()}


def rnn_config(class_name: str, name: str, units: int, **extra: Any) -> dict[str, Any]:
    """A Keras 2 RNN layer config with the keys Keras 2 wrote (initializers, implementation...)."""
    config = {
        "name": name,
        "trainable": True,
        "units": units,
        "activation": "tanh",
        "use_bias": True,
        "kernel_initializer": {
            "class_name": "VarianceScaling",
            "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None},
        },
        "recurrent_initializer": {
            "class_name": "Orthogonal",
            "config": {"gain": 1.0, "seed": None},
        },
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "recurrent_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "recurrent_constraint": None,
        "bias_constraint": None,
        "dropout": 0.0,
        "recurrent_dropout": 0.0,
        "implementation": 1,
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
        "stateful": False,
        "unroll": False,
    }
    config.update(extra)
    return {"class_name": class_name, "config": config}


def dense_config(name: str, units: int) -> dict[str, Any]:
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "units": units,
            "activation": "linear",
            "use_bias": True,
            "kernel_initializer": {
                "class_name": "VarianceScaling",
                "config": {
                    "scale": 1.0,
                    "mode": "fan_avg",
                    "distribution": "uniform",
                    "seed": None,
                },
            },
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    }
