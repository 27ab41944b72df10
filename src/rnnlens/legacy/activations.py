"""Keras 2 activations whose definition changed in Keras 3, as registered, safe-mode-loadable functions.

Checked against the Keras 2 (``tf.keras``) and Keras 3 sources: only ``hard_sigmoid`` changed. Keras 2's was
``clip(0.2 x + 0.5, 0, 1)``; Keras 3's is ``relu6(x + 3) / 6``, i.e. ``clip(x / 6 + 0.5, 0, 1)``. ``elu``,
``selu`` (same constants), ``softplus``, ``softsign``, ``swish``/``silu``, ``gelu`` (exact by default in both),
``relu``, ``tanh``, ``sigmoid``, ``exponential``, ``linear`` and ``softmax`` (last axis) are unchanged.
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["KERAS2_ACTIVATIONS", "keras2_hard_sigmoid"]


@keras.saving.register_keras_serializable(package="rnnlens")
def keras2_hard_sigmoid(x: Any) -> Any:
    """Keras 2's hard sigmoid: ``clip(0.2 x + 0.5, 0, 1)`` (Keras 3's has slope 1/6).

    Example:
        >>> import numpy as np
        >>> np.asarray(keras2_hard_sigmoid(np.array([-3.0, -1.0, 0.0, 1.0, 3.0]))).round(3).tolist()
        [0.0, 0.3, 0.5, 0.7, 1.0]
    """
    return keras.ops.clip(0.2 * keras.ops.convert_to_tensor(x) + 0.5, 0.0, 1.0)


# Keras 2 name -> the function that keeps its Keras 2 meaning in a Keras 3 model.
KERAS2_ACTIVATIONS = {"hard_sigmoid": keras2_hard_sigmoid}
