"""The model attribution evaluates: the user's model, or a stateless clone of it with the same weights.

Attribution runs the model on large chunks of perturbed or interpolated rows. Two kinds of valid models
cannot take such chunks as they are:

- ``stateful=True`` recurrent layers keep their state from one call to the next, with a batch size fixed
  by ``Input(batch_shape=...)``: a chunk of 200 rows does not fit a state of 4, and every call would move
  the user's states. Attribution explains the model from a fresh state (all zeros, as after
  ``reset_states()``), which is what a stateless clone computes, for any batch size, without touching the
  original's states.
- Under TensorFlow, compiled calls open a name scope per layer, and TensorFlow refuses names with spaces
  or non-ASCII letters (``'lstm layer é' is not a valid scope name``). The clone renames those layers.

The clone shares nothing with the original; its weights are copied once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from rnnlens.errors import UnsupportedLayerError
from rnnlens.model_inputs import input_name

__all__ = ["clone_reasons", "evaluation_model"]

_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")
_NOT_SCOPE = re.compile(r"[^A-Za-z0-9_.\\/>-]")


def evaluation_model(model: Any) -> Any:
    """``model`` itself, or a stateless, scope-safe clone with the same weights (see the module doc).

    Raises:
        UnsupportedLayerError: a clone is needed but a layer cannot be rebuilt from its config.
    """
    reasons = clone_reasons(model)
    if not reasons:
        return model
    import keras

    renamed: dict[str, str] = {}

    def rename(name: str) -> str:
        if not _needs_rename(name):
            return name
        return renamed.setdefault(name, f"{_NOT_SCOPE.sub('_', name)}_{len(renamed)}")

    def rebuild(layer: Any) -> Any:
        return layer.__class__.from_config(_evaluable(layer.get_config(), rename))

    def batch_free(tensor: Any) -> Any:
        name = input_name(tensor)
        return keras.Input(shape=tuple(tensor.shape[1:]), dtype=tensor.dtype, name=name)

    try:
        # A Sequential model takes one tensor; a functional one the structure it was built on.
        structure = model.inputs[0] if isinstance(model, keras.Sequential) else model.input
        inputs = keras.tree.map_structure(batch_free, structure)
        clone = keras.models.clone_model(
            model, input_tensors=inputs, clone_function=rebuild, recursive=True
        )
        clone.set_weights(model.get_weights())
    except Exception as exc:  # any failure of a layer's get_config / from_config round trip
        raise UnsupportedLayerError(
            f"Attribution needs a copy of this model ({'; '.join(reasons)}), but Keras could not clone "
            f"it: {type(exc).__name__}: {exc}. Give custom layers a get_config() that rebuilds them."
        ) from exc
    if _needs_rename(clone.name):
        clone.name = _NOT_SCOPE.sub("_", clone.name)
    return clone


def clone_reasons(model: Any) -> list[str]:
    """Why ``model`` cannot be evaluated as it is (empty when it can)."""
    reasons = []
    stateful = [layer.name for layer in _layers(model) if getattr(layer, "stateful", False)]
    if stateful:
        reasons.append(f"stateful layer(s) {stateful} hold a fixed-batch state")
    bad_names = [layer.name for layer in [model, *_layers(model)] if _needs_rename(layer.name)]
    if bad_names:
        reasons.append(f"layer name(s) {bad_names} are not valid TensorFlow scope names")
    return reasons


def _needs_rename(name: str) -> bool:
    import keras

    return keras.backend.backend() == "tensorflow" and not _SCOPE_NAME.match(name)


def _layers(model: Any) -> Iterator[Any]:
    """Every layer inside ``model``: nested models and wrapped layers (Bidirectional, TimeDistributed)."""
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _layers(layer)
        for attribute in ("layer", "forward_layer", "backward_layer"):
            inner = getattr(layer, attribute, None)
            if inner is not None and inner is not layer:
                yield inner
                yield from _layers(inner)


def _evaluable(config: Any, rename: Callable[[str], str]) -> Any:
    """A layer config (nested wrapper configs included) with ``stateful`` off and names made scope-safe."""
    if isinstance(config, dict):
        patched: dict[str, Any] = {}
        for key, value in config.items():
            if key == "stateful" and value is True:
                patched[key] = False
            elif key == "name" and isinstance(value, str):
                patched[key] = rename(value)
            else:
                patched[key] = _evaluable(value, rename)
        return patched
    if isinstance(config, list):
        return [_evaluable(value, rename) for value in config]
    return config
