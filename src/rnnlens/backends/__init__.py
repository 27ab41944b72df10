"""The one seam where TensorFlow, JAX and PyTorch are imported.

Every backend module (``tensorflow.py``, ``jax.py``, ``torch.py``) exports the same names; :func:`current`
picks the one matching ``keras.backend.backend()``. Core code calls these functions and never imports a
framework itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from rnnlens.errors import UnsupportedLayerError

__all__ = ["compile_function", "current", "name"]

_MODULES = {
    "tensorflow": "rnnlens.backends.tensorflow",
    "jax": "rnnlens.backends.jax",
    "torch": "rnnlens.backends.torch",
}


def name() -> str:
    """The active Keras backend: ``tensorflow``, ``jax`` or ``torch``."""
    import keras

    return str(keras.backend.backend())


def current() -> ModuleType:
    """The backend module for the active Keras backend."""
    backend = name()
    module = _MODULES.get(backend)
    if module is None:
        raise UnsupportedLayerError(
            f"Keras backend {backend!r} is not supported; set KERAS_BACKEND to one of {sorted(_MODULES)}."
        )
    return importlib.import_module(module)


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a pure function of tensors for the active backend (tf.function / jax.jit / as-is for torch)."""
    return current().compile_function(fn)  # type: ignore[no-any-return]
