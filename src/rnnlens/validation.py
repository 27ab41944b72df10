"""Check user arrays against a model's inputs before anything reaches Keras."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnnlens.errors import DataError, ShapeError

__all__ = ["as_input_list", "check_array", "embedding_vocab_sizes", "prepare_inputs"]


def as_input_list(model: Any, inputs: Any) -> list[Any]:
    """Arrange ``inputs`` (array, list or dict by input name) in the order of ``model.inputs``."""
    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    n_inputs = len(names)
    if isinstance(inputs, Mapping):
        missing = [name for name in names if name not in inputs]
        if missing:
            raise ShapeError(
                f"Argument `inputs` is a dict but lacks model input(s) {missing}; "
                f"expected keys {names}, received {sorted(inputs)}."
            )
        return [inputs[name] for name in names]
    if isinstance(inputs, list | tuple):
        if n_inputs == 1 and len(inputs) != 1:
            return [inputs]
        if len(inputs) != n_inputs:
            raise ShapeError(
                f"The model has {n_inputs} input(s) {names}, but `inputs` holds {len(inputs)} arrays. "
                "Pass one array per model input, in order, or a dict keyed by input name."
            )
        return list(inputs)
    if n_inputs != 1:
        raise ShapeError(
            f"The model has {n_inputs} inputs {names}; pass a list of {n_inputs} arrays or a dict keyed "
            "by input name, not a single array."
        )
    return [inputs]


def check_array(
    value: Any,
    expected_shape: Sequence[int | None],
    *,
    name: str,
    integer: bool = False,
    vocab_size: int | None = None,
) -> np.ndarray:
    """Return ``value`` as a NumPy array after checking rank, fixed sizes, dtype and finiteness.

    Args:
        value: the user's array-like, shape ``(batch, ...)``.
        expected_shape: the model input's shape, batch axis first (``None`` = any size).
        name: how to call this input in messages.
        integer: the input holds token ids (it feeds an ``Embedding``).
        vocab_size: token ids must lie in ``[0, vocab_size)``.

    Raises:
        ShapeError: wrong rank or wrong size on a fixed axis.
        DataError: non-numeric values, NaN / inf, or token ids that are not valid integers.
    """
    try:
        array = np.asarray(value)
    except Exception as exc:
        raise DataError(f"Input {name!r} could not be read as an array: {exc}.") from exc
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise DataError(
            f"Input {name!r} must be numeric, received dtype {array.dtype}. Convert text or mixed "
            "columns to numbers first (token files: pass a vocabulary)."
        )
    expected = tuple(expected_shape)
    if array.ndim != len(expected):
        axes = "(batch, time, features)" if len(expected) == 3 else "(batch, time)"
        hint = ""
        if array.ndim == len(expected) - 1:
            hint = " For a single sample, add a batch axis: `x[None]`."
        raise ShapeError(
            f"Input {name!r} must have rank {len(expected)} {axes if len(expected) in (2, 3) else ''}"
            f" matching the model's input shape {_fmt(expected)}, received shape {array.shape}.{hint}"
        )
    for axis, (want, got) in enumerate(zip(expected, array.shape, strict=True)):
        if want is not None and want != got:
            role = (
                {1: "time", 2: "feature"}.get(axis, f"axis {axis}")
                if len(expected) == 3
                else f"axis {axis}"
            )
            raise ShapeError(
                f"Input {name!r} has {got} on its {role} axis but the model expects {want} "
                f"(model input shape {_fmt(expected)}, received {array.shape})."
            )
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise DataError(
            f"Input {name!r} contains NaN or inf (first at index {tuple(int(i) for i in bad)}). "
            "Impute or drop those values before explaining the model."
        )
    if integer:
        if np.issubdtype(array.dtype, np.floating):
            if not np.all(np.equal(np.mod(array, 1), 0)):
                raise DataError(
                    f"Input {name!r} feeds an Embedding and must hold integer token ids."
                )
            array = array.astype(np.int64)
        if vocab_size is not None and array.size and (array.min() < 0 or array.max() >= vocab_size):
            raise DataError(
                f"Input {name!r} holds token ids outside [0, {vocab_size}): min {int(array.min())}, "
                f"max {int(array.max())}. Map unknown tokens to an out-of-vocabulary id."
            )
        return array.astype(np.int32)
    return array.astype(np.float32) if not np.issubdtype(array.dtype, np.floating) else array


def embedding_vocab_sizes(model: Any) -> dict[str, int]:
    """Map each model input that feeds an ``Embedding`` directly to the embedding's ``input_dim``."""
    sizes: dict[str, int] = {}
    import keras

    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    for layer in _walk(model):
        if isinstance(layer, keras.layers.Embedding):
            try:
                source = layer.input
            except Exception:
                continue
            source_name = getattr(source, "name", "").split(":")[0]
            if source_name in names:
                sizes[source_name] = int(layer.input_dim)
    if not sizes and len(names) == 1:
        first = _first_layer(model)
        if isinstance(first, keras.layers.Embedding):
            sizes[names[0]] = int(first.input_dim)
    return sizes


def prepare_inputs(model: Any, inputs: Any) -> list[np.ndarray]:
    """Validate ``inputs`` against ``model`` and return them as a list of arrays, one per model input.

    Args:
        model: a built ``keras.Model``.
        inputs: an array ``(batch, time, features)`` / ``(batch, time)`` for token models, a list with one
            array per input, or a dict keyed by input name.

    Raises:
        ShapeError, DataError: see :func:`check_array`.
    """
    arrays = as_input_list(model, inputs)
    vocab = embedding_vocab_sizes(model)
    prepared = []
    batch = None
    for tensor, value in zip(model.inputs, arrays, strict=True):
        name = tensor.name.split(":")[0]
        is_tokens = name in vocab or "int" in str(tensor.dtype)
        array = check_array(
            value, tensor.shape, name=name, integer=is_tokens, vocab_size=vocab.get(name)
        )
        if batch is not None and array.shape[0] != batch:
            raise ShapeError(
                f"All inputs must hold the same number of samples; {name!r} has {array.shape[0]}, "
                f"the first input has {batch}."
            )
        batch = array.shape[0]
        prepared.append(array)
    return prepared


def _walk(model: Any) -> list[Any]:
    layers = []
    for layer in getattr(model, "layers", []):
        layers.append(layer)
        if hasattr(layer, "layers") and layer is not model:
            layers.extend(_walk(layer))
    return layers


def _first_layer(model: Any) -> Any:
    layers = getattr(model, "layers", [])
    if not layers:
        return None
    first = layers[0]
    return _first_layer(first) if hasattr(first, "layers") else first


def _fmt(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("batch" if i == 0 else str(d) for i, d in enumerate(shape)) + ")"
