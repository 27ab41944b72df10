"""Keras 2 weight groups (``model_weights/<layer>/<weight names>``) set on the rebuilt Keras 3 layers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import ModelLoadError
from rnnlens.legacy.cudnn import standard_rnn_weights

if TYPE_CHECKING:
    import h5py
    import keras

__all__ = ["read_layer_weights", "saved_bias_shapes", "set_file_weights"]


def read_layer_weights(weights_group: h5py.Group, layer_name: str) -> list[np.ndarray]:
    """A layer's arrays in the order its ``weight_names`` attribute lists them (Keras 2's save order)."""
    group = weights_group[layer_name]
    names = [_text(name) for name in group.attrs.get("weight_names", [])]
    return [np.asarray(group[name]) for name in names]


def saved_bias_shapes(handle: h5py.File) -> dict[str, list[tuple[int, ...]]]:
    """The shapes of each layer's saved bias arrays, by layer name (read before the layers are rebuilt).

    Found by name (``.../bias:0``), not by shape: a GRU's recurrent kernel ``(units, 3 units)`` has the
    shape of a reset-after bias ``(2, 3 units)`` when ``units`` is 2.
    """
    weights_group = handle.get("model_weights", handle)
    shapes = {}
    for layer_name in weights_group:
        group = weights_group[layer_name]
        if not hasattr(group, "keys"):  # a dataset, not a layer's group
            continue
        names = [_text(name) for name in group.attrs.get("weight_names", [])]
        shapes[layer_name] = [
            tuple(group[name].shape)
            for name in names
            if name in group and name.rsplit("/", 1)[-1].split(":")[0] == "bias"
        ]
    return shapes


def set_file_weights(
    model: keras.Model,
    handle: h5py.File,
    keras_version: str,
    cudnn_layers: Mapping[str, str] | None = None,
) -> None:
    """Set every weighted layer of ``model`` from the file's group of the same name.

    Layers named in ``cudnn_layers`` (layer name -> ``"CuDNNLSTM"`` / ``"CuDNNGRU"``) hold arrays in the
    cuDNN layout, converted to the standard layer's first.

    Raises:
        ModelLoadError: a layer's weights are missing from the file, or their number or shapes differ.
    """
    weights_group = handle.get("model_weights", handle)
    for layer in model.layers:
        if not layer.weights:
            continue
        where = f"layer {layer.name!r} ({type(layer).__name__}, saved by Keras {keras_version})"
        if layer.name not in weights_group:
            raise ModelLoadError(
                f"The file has no weights for {where}: it is truncated or was edited."
            )
        arrays = read_layer_weights(weights_group, layer.name)
        if cudnn_layers and layer.name in cudnn_layers:
            arrays = standard_rnn_weights(cudnn_layers[layer.name], arrays)
        expected = [tuple(weight.shape) for weight in layer.weights]
        received = [array.shape for array in arrays]
        if expected != received:
            raise ModelLoadError(
                f"The weights of {where} do not fit the rebuilt layer: expected shapes {expected}, "
                f"the file holds {received}."
            )
        layer.set_weights(arrays)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
