"""Keras 2's cuDNN layers (``CuDNNLSTM``, ``CuDNNGRU``) as the standard Keras 3 ``LSTM`` and ``GRU``.

A cuDNN layer computes a standard LSTM (sigmoid gates, tanh, two bias vectors that add up) or a GRU with
the reset gate applied after the recurrent product (``reset_after=True``), but saves its weights in the
layout cuDNN reads them: each gate's slice of ``kernel`` is read by cuDNN as a row-major
``(units, input_dim)`` matrix, each gate's recurrent ``(units, units)`` slice is transposed, and the bias
holds the input biases then the recurrent biases. This is the conversion Keras 2 itself applied when it
loaded a cuDNN file into an ``LSTM`` / ``GRU`` (``preprocess_weights_for_loading``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.errors import ModelLoadError

__all__ = ["CUDNN_LAYERS", "standard_rnn_config", "standard_rnn_weights"]

# Keras 2 cuDNN class -> the standard Keras class that computes the same.
CUDNN_LAYERS = {"CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU"}
_GATES = {"CuDNNLSTM": 4, "CuDNNGRU": 3}


def standard_rnn_config(cudnn_class: str, config: dict[str, Any]) -> dict[str, Any]:
    """The standard layer's config: the cuDNN layer's keys plus the activations cuDNN fixes.

    Example:
        >>> standard_rnn_config("CuDNNGRU", {"name": "g", "units": 2})["reset_after"]
        True
    """
    fixed: dict[str, Any] = {
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
    }
    if cudnn_class == "CuDNNGRU":
        fixed["reset_after"] = True
    return {**config, **fixed}


def standard_rnn_weights(cudnn_class: str, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Convert a cuDNN layer's saved arrays (one or, for Bidirectional, two kernel/recurrent/bias triples).

    Args:
        cudnn_class: ``"CuDNNLSTM"`` or ``"CuDNNGRU"``.
        arrays: ``[kernel (input_dim, gates*units), recurrent_kernel (units, gates*units),
            bias (2*gates*units,)]`` repeated per direction.

    Returns:
        The standard layer's arrays: the kernels in Keras's layout, the LSTM bias ``(4 units,)`` (input plus
        recurrent bias) or the GRU bias ``(2, 3 units)``.

    Raises:
        ModelLoadError: the arrays are not cuDNN triples of consistent shapes.

    Example:
        >>> kernel = np.arange(6.0).reshape(2, 3)  # input_dim 2, one unit, 3 gates
        >>> weights = standard_rnn_weights("CuDNNGRU", [kernel, np.eye(1).repeat(3, 1), np.zeros(6)])
        >>> weights[0].tolist(), weights[2].shape
        ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], (2, 3))
    """
    gates = _GATES[cudnn_class]
    if len(arrays) % 3:
        raise ModelLoadError(
            f"A {cudnn_class} layer saves kernel, recurrent kernel and bias per direction; the file holds "
            f"{len(arrays)} arrays."
        )
    converted: list[np.ndarray] = []
    for start in range(0, len(arrays), 3):
        kernel, recurrent, bias = (np.asarray(a) for a in arrays[start : start + 3])
        units = recurrent.shape[0]
        if (
            kernel.ndim != 2
            or kernel.shape[1] != gates * units
            or recurrent.shape != (units, gates * units)
            or bias.shape != (2 * gates * units,)
        ):
            raise ModelLoadError(
                f"The weights of a {cudnn_class} layer have shapes {[kernel.shape, recurrent.shape, bias.shape]}; "
                f"expected (input_dim, {gates} units), (units, {gates} units) and ({2 * gates} units,)."
            )
        inputs = kernel.shape[0]
        converted.append(np.hstack([k.reshape(units, inputs).T for k in np.hsplit(kernel, gates)]))
        converted.append(np.hstack([r.T for r in np.hsplit(recurrent, gates)]))
        input_bias, recurrent_bias = np.split(bias, 2)
        if cudnn_class == "CuDNNLSTM":
            converted.append(input_bias + recurrent_bias)
        else:
            converted.append(np.stack([input_bias, recurrent_bias]))
    return converted
