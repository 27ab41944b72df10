"""What Keras itself says, to compare traces with; shared by the tracing tests and the backend subprocesses.

Nothing here reads rnnlens's arithmetic: references come from Keras layers, Keras cells, or NumPy
re-statements of the equations in the Keras source.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

TOL = 1e-5


def to_numpy(x: Any) -> np.ndarray:
    """Any backend tensor (or list) as NumPy."""
    return np.asarray(keras.ops.convert_to_numpy(x))


def keras_outputs(model: keras.Model, tensors: list[Any], inputs: Any) -> list[np.ndarray]:
    """Evaluate symbolic ``tensors`` of ``model``'s graph on ``inputs`` with Keras (eagerly)."""
    sub = keras.Model(model.inputs, tensors)
    values = sub(inputs if isinstance(inputs, list) else [inputs])
    values = values if isinstance(values, list | tuple) else [values]
    return [to_numpy(v) for v in values]


def emitted(layer_trace: Any, rnn: Any, backend: str) -> np.ndarray:
    """The output Keras's RNN emits for this direction, rebuilt from the traced hidden states.

    Keras (``backend.rnn``) emits h at real steps; at masked steps zeros when ``zero_output_for_mask``,
    else the previous output (TensorFlow / PyTorch: zeros before the first real step) or the carried first
    state (JAX). The sequence is in processing order; ``return_sequences=False`` keeps the last step.
    """
    hidden = np.asarray(layer_trace.hidden)
    mask = np.asarray(layer_trace.mask)
    if rnn.go_backwards:
        hidden, mask = hidden[:, ::-1], mask[:, ::-1]
    m = mask[..., None]
    if rnn.zero_output_for_mask and rnn.return_sequences:
        out = np.where(m, hidden, 0.0)
    elif backend == "jax":
        out = hidden
    else:
        seen = np.cumsum(mask, axis=1)[..., None] > 0
        out = np.where(seen, hidden, 0.0)
    return out if rnn.return_sequences else out[:, -1]


def previous(values: np.ndarray, initial: np.ndarray, processing_order: str) -> np.ndarray:
    """The value before each step, in original time order: the step processed just before, or initial."""
    values = np.asarray(values)
    first = np.asarray(initial)[:, None]
    if processing_order == "backward":
        return np.concatenate([values[:, 1:], first], axis=1)
    return np.concatenate([first, values[:, :-1]], axis=1)


def gate_range(activation: str) -> tuple[float, float]:
    """The closed range of an activation's values."""
    return {
        "sigmoid": (0.0, 1.0),
        "hard_sigmoid": (0.0, 1.0),
        "tanh": (-1.0, 1.0),
        "softsign": (-1.0, 1.0),
        "relu": (0.0, np.inf),
        "linear": (-np.inf, np.inf),
    }[activation]


def numpy_activation(fn: Any) -> Any:
    """A Keras activation applied to NumPy arrays (through Keras, so it is Keras's definition)."""

    def apply(x: np.ndarray) -> np.ndarray:
        return to_numpy(fn(keras.ops.convert_to_tensor(x.astype("float32"))))

    return apply


def lstm_step_numpy(
    cell: Any, x: np.ndarray, h: np.ndarray, c: np.ndarray
) -> dict[str, np.ndarray]:
    """Keras's LSTMCell equations in NumPy: gate blocks i, f, c, o of (features, 4u) / (u, 4u) kernels."""
    kernel, recurrent = to_numpy(cell.kernel), to_numpy(cell.recurrent_kernel)
    bias = to_numpy(cell.bias) if cell.use_bias else 0.0
    z = x @ kernel + h @ recurrent + bias
    u = cell.units
    act, rec = numpy_activation(cell.activation), numpy_activation(cell.recurrent_activation)
    i, f, g, o = rec(z[:, :u]), rec(z[:, u : 2 * u]), act(z[:, 2 * u : 3 * u]), rec(z[:, 3 * u :])
    c_new = f * c + i * g
    return {
        "input_gate": i,
        "forget_gate": f,
        "candidate": g,
        "output_gate": o,
        "cell_state": c_new,
        "hidden": o * act(c_new),
    }


def gru_step_numpy(cell: Any, x: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
    """Keras's GRUCell equations in NumPy, both ``reset_after`` variants; blocks z, r, h."""
    kernel, recurrent = to_numpy(cell.kernel), to_numpy(cell.recurrent_kernel)
    u = cell.units
    act, rec = numpy_activation(cell.activation), numpy_activation(cell.recurrent_activation)
    if cell.use_bias:
        bias = to_numpy(cell.bias)
        b_in, b_rec = (bias[0], bias[1]) if cell.reset_after else (bias, np.zeros(3 * u))
    else:
        b_in = b_rec = np.zeros(3 * u)
    xz = x @ kernel + b_in
    if cell.reset_after:
        hz = h @ recurrent + b_rec
        z = rec(xz[:, :u] + hz[:, :u])
        r = rec(xz[:, u : 2 * u] + hz[:, u : 2 * u])
        g = act(xz[:, 2 * u :] + r * hz[:, 2 * u :])
    else:
        z = rec(xz[:, :u] + h @ recurrent[:, :u])
        r = rec(xz[:, u : 2 * u] + h @ recurrent[:, u : 2 * u])
        g = act(xz[:, 2 * u :] + (r * h) @ recurrent[:, 2 * u :])
    return {"update_gate": z, "reset_gate": r, "candidate": g, "hidden": z * h + (1 - z) * g}


def simple_rnn_step_numpy(cell: Any, x: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
    """Keras's SimpleRNNCell equations in NumPy."""
    pre = x @ to_numpy(cell.kernel) + h @ to_numpy(cell.recurrent_kernel)
    if cell.use_bias:
        pre = pre + to_numpy(cell.bias)
    return {"pre_activation": pre, "hidden": numpy_activation(cell.activation)(pre)}


def max_err(got: Any, want: Any) -> float:
    """Largest error, absolute where ``|want| <= 1`` and relative beyond (float32 keeps ~7 digits, so an
    unbounded activation's large values cannot agree to 1e-5 absolute)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    if not got.size:
        return 0.0
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))


def max_abs(a: Any, b: Any) -> float:
    """Largest absolute difference (0.0 for empty arrays)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0
