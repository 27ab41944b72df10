"""PyTorch's fused recurrent kernels replay Keras's LSTM, GRU and SimpleRNN exactly (torch backend, #16)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.backend_runner import run_in_backend, skip_unless_backend

SNIPPET = """
import json
from tests.backends.test_torch_recurrent import check
print(json.dumps(check()))
"""

# name -> (layer class, layer options, fused expected); every model ends in Dense(2) over the last step.
# A masked layer is eligible, but its masked calls run Keras's loop (no fused kernel call).
CASES = {
    "lstm": ("LSTM", {}, True),
    "lstm_backwards_state": ("LSTM", {"go_backwards": True, "return_state": True}, True),
    "lstm_no_bias": ("LSTM", {"use_bias": False, "unit_forget_bias": False}, True),
    "gru": ("GRU", {}, True),
    "gru_backwards": ("GRU", {"go_backwards": True}, True),
    "gru_reset_before": ("GRU", {"reset_after": False}, False),
    "simple_rnn": ("SimpleRNN", {}, True),
    "simple_rnn_relu": ("SimpleRNN", {"activation": "relu"}, True),
    "lstm_hard_sigmoid": ("LSTM", {"recurrent_activation": "hard_sigmoid"}, False),
    "bidirectional_lstm": ("Bidirectional", {}, True),
    "masked_gru": ("GRU", {"masked": True}, True),
}


def _model(kind: str, options: dict) -> object:
    import keras

    keras.utils.set_random_seed(3)
    options = dict(options)
    masked = options.pop("masked", False)
    inputs = keras.Input((7, 3))
    x = keras.layers.Masking(0.0)(inputs) if masked else inputs
    if kind == "Bidirectional":
        x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))(x)
        x = keras.layers.Bidirectional(keras.layers.GRU(4))(x)
    else:
        layer = getattr(keras.layers, kind)(5, return_sequences=True, **options)
        x = layer(x)
        if options.get("return_state"):
            sequence, *states = x
            x = keras.layers.Concatenate()([sequence[:, -1], *states])
        else:
            x = getattr(keras.layers, kind)(4, **options)(x)
    outputs = keras.layers.Dense(2)(x)
    return keras.Model(inputs, outputs)


def check() -> dict:
    """Outputs and input gradients with the fused kernels against Keras's own loop, per case."""
    import keras
    import torch

    from rnnlens import backends
    from rnnlens.backends.torch_recurrent import _recurrent_layers, fused_call

    kernel_calls = []
    for kernel in ("lstm", "gru", "rnn_tanh", "rnn_relu"):

        def spy(*args, _kernel=getattr(torch, kernel)):
            kernel_calls.append(1)
            return _kernel(*args)

        setattr(torch, kernel, spy)
    x = np.random.default_rng(0).normal(size=(5, 7, 3)).astype("float32")
    x[1, 4:] = 0.0  # padding for the masked case (a plain zero input elsewhere)
    weights = np.array([[1.0, -2.0]] * 5, "float32")
    report = {}
    for name, (kind, options, _) in CASES.items():
        model = _model(kind, options)
        fused = [
            fused_call(layer) is not None
            for layer in _recurrent_layers(model)
            if isinstance(layer, keras.layers.RNN)
        ]

        def fn(call, inputs, extras):
            return keras.ops.sum(call(inputs[0]) * extras[0], axis=-1)

        kernel_calls.clear()
        values, (grads,) = backends.value_and_grad(fn, model)([x], [weights])
        n_kernel_calls = len(kernel_calls)
        # Keras alone: plain autograd through the model's own loop.
        tensor = torch.tensor(x, requires_grad=True)
        expected = (model(tensor, training=False) * torch.tensor(weights)).sum(-1)
        (expected_grads,) = torch.autograd.grad(expected.sum(), [tensor])
        report[name] = {
            "fused": fused,
            "kernel_calls": n_kernel_calls,
            "values": float(np.abs(values - expected.detach().numpy()).max()),
            "grads": float(np.abs(grads - expected_grads.numpy()).max()),
            "scale": float(np.abs(expected_grads.numpy()).max()),
        }
    return report


@pytest.fixture(scope="module")
def report() -> dict:
    return run_in_backend("torch", SNIPPET, timeout=300)


@skip_unless_backend("torch")
@pytest.mark.parametrize("name", list(CASES))
def test_fused_replay_equals_keras(report: dict, name: str) -> None:
    case = report[name]
    expected_fused = CASES[name][2]
    assert case["fused"] and all(f == expected_fused for f in case["fused"]), case["fused"]
    ran_fused = expected_fused and name != "masked_gru"
    assert case["kernel_calls"] == (len(case["fused"]) if ran_fused else 0)
    assert case["scale"] > 1e-3  # the gradients compared are not trivially zero
    assert case["values"] < 1e-5
    assert case["grads"] < 1e-5
