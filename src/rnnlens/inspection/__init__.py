"""Model inspection: what every output of a recurrent Keras model is and means."""

from __future__ import annotations

from typing import Any

from rnnlens.inspection.spec import (
    HeadSpec,
    InputSpec,
    ModelSpec,
    OutputSpec,
    RecurrentLayerSpec,
)

__all__ = [
    "HeadSpec",
    "InputSpec",
    "ModelSpec",
    "OutputSpec",
    "RecurrentLayerSpec",
    "inspect_model",
]


def inspect_model(model_or_path: Any, *, safe_mode: bool = True) -> ModelSpec:
    """Describe every output of a Keras model with recurrent layers.

    Args:
        model_or_path: a built ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        safe_mode: keep Keras safe mode on when loading from a path.

    Returns:
        A :class:`ModelSpec`: named axes, source layer, kind, head semantics, task and pattern of each output,
        plus warnings where head and loss contradict each other.

    Raises:
        ModelLoadError: the path cannot be loaded.
        UnsupportedLayerError: the model is not built (it has no symbolic inputs).

    Example:
        >>> spec = inspect_model(model)
        >>> [layer.name for layer in spec.recurrent_layers], spec.outputs[0].name
        (['lstm'], 'head')
    """
    from rnnlens.inspection.build import build_spec
    from rnnlens.loading import ensure_model

    return build_spec(ensure_model(model_or_path, safe_mode=safe_mode))
