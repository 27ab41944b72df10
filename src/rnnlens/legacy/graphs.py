"""Keras 2 model topologies rebuilt in Keras 3: Sequential layer lists and functional layer graphs.

Sequential configs came as a bare list of layers (Keras 2.0-2.1) or ``{"name", "layers"}`` (2.2 and later).
Functional configs (``class_name`` ``"Model"`` in Keras 2.0-2.3, ``"Functional"`` in ``tf.keras`` 2.4 and
later) list each layer with its ``inbound_nodes``: one entry per call, each a list of
``[layer_name, node_index, tensor_index, kwargs]`` naming the tensors it was called on. An RNN called on
several tensors received ``[sequence, *initial_states]``, as Keras 2's ``RNN.__call__`` flattened them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rnnlens.errors import ModelLoadError
from rnnlens.legacy.layers import build_layer

if TYPE_CHECKING:
    import keras

    from rnnlens.legacy.configs import Translation

__all__ = ["FUNCTIONAL_CLASSES", "build_functional", "build_sequential"]

FUNCTIONAL_CLASSES = ("Model", "Functional")
# Layers whose extra inbound tensors are initial states (Keras 2 passed them as one flat list).
_RECURRENT = ("LSTM", "GRU", "SimpleRNN", "Bidirectional")


def build_sequential(config: Any, translation: Translation) -> keras.Model:
    """Rebuild a Keras 2 Sequential model's layers behind an Input of its declared batch shape.

    Raises:
        ModelLoadError: no layers, no declared input shape, or a layer that cannot be rebuilt.
    """
    import keras

    layers = config if isinstance(config, list) else list(config.get("layers", []))
    name = None if isinstance(config, list) else config.get("name")
    if not layers:
        raise ModelLoadError(
            f"The Sequential model (saved by Keras {translation.keras_version}) has no layers."
        )
    first = dict(layers[0].get("config") or {})
    if layers[0].get("class_name") == "InputLayer":
        layers = layers[1:]
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if shape is None:
        raise ModelLoadError(
            f"The first layer of the Sequential model (saved by Keras {translation.keras_version}) declares "
            "no batch_input_shape, so its input shape is unknown. Build the model in Keras 3 code and "
            "load its weights instead."
        )
    inputs = keras.Input(batch_shape=tuple(shape), dtype=_dtype(first))
    built = [build_layer(layer, translation) for layer in layers]
    return keras.Sequential([inputs, *built], name=name)


def build_functional(config: dict[str, Any], translation: Translation) -> keras.Model:
    """Rebuild a Keras 2 functional model: call each layer on the tensors its inbound nodes name.

    Raises:
        ModelLoadError: a node names a layer or tensor that does not exist, call arguments rnnlens cannot
            rebuild, or a layer that cannot be rebuilt.
    """
    import keras

    version = translation.keras_version
    entries = list(config.get("layers") or [])
    outputs: dict[str, list[list[Any]]] = {}
    layers: dict[str, Any] = {}
    pending: list[tuple[str, list[Any]]] = []
    for entry in entries:
        name = str(entry.get("name") or (entry.get("config") or {}).get("name"))
        if entry.get("class_name") == "InputLayer":
            outputs[name] = [[_input(entry.get("config") or {}, name, version)]]
            continue
        layers[name] = build_layer(entry, translation)
        outputs[name] = []
        pending.extend((name, node) for node in entry.get("inbound_nodes") or [])
    # Call nodes in file order, deferring one whose inputs another node has not produced yet (Keras 2 did
    # the same); nodes of one layer keep their order, since node_index counts calls.
    while pending:
        remaining: list[tuple[str, list[Any]]] = []
        for name, node in pending:
            if any(other == name for other, _ in remaining) or not _ready(node, outputs):
                remaining.append((name, node))
                continue
            outputs[name].append(_call(layers[name], node, outputs, version))
        if len(remaining) == len(pending):
            names = sorted({name for name, _ in remaining})
            raise ModelLoadError(
                f"The functional model (saved by Keras {version}) has layers whose inputs are never "
                f"produced: {', '.join(names)}. The file's config is damaged or from an unknown format."
            )
        pending = remaining
    return keras.Model(
        inputs=_tensors(config.get("input_layers"), outputs, version),
        outputs=_tensors(config.get("output_layers"), outputs, version),
        name=config.get("name"),
    )


def _input(config: dict[str, Any], name: str, version: str) -> Any:
    import keras

    shape = config.get("batch_input_shape") or config.get("batch_shape")
    if shape is None:
        raise ModelLoadError(
            f"Input {name!r} (saved by Keras {version}) declares no batch_input_shape."
        )
    return keras.Input(batch_shape=tuple(shape), dtype=_dtype(config), name=name)


def _dtype(config: dict[str, Any]) -> str | None:
    dtype = config.get("dtype")
    return dtype if isinstance(dtype, str) else None


def _ready(node: list[Any], outputs: dict[str, list[list[Any]]]) -> bool:
    for item in node:
        name, node_index = str(item[0]), int(item[1])
        if len(outputs.get(name, [])) <= node_index:
            return False
    return True


def _call(
    layer: Any, node: list[Any], outputs: dict[str, list[list[Any]]], version: str
) -> list[Any]:
    """Call ``layer`` on the tensors one inbound node names; return its outputs as a list."""
    where = f"layer {layer.name!r} (saved by Keras {version})"
    if not isinstance(node, list) or not all(
        isinstance(item, list) and len(item) >= 3 for item in node
    ):
        raise ModelLoadError(
            f"The inbound node of {where} is not in Keras 2's [[name, node, tensor, kwargs], ...] format: "
            f"{str(node)[:200]}."
        )
    tensors = [_tensor(outputs, item, version) for item in node]
    kwargs: dict[str, Any] = {}
    for item in node:
        extra = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
        for key, value in extra.items():
            if key == "training" and isinstance(value, bool | None):
                continue  # inference ignores the training flag
            if key == "mask" and value is None:
                continue
            raise ModelLoadError(
                f"The call of {where} passed {key}={str(value)[:80]}, which rnnlens cannot rebuild from a "
                "Keras 2 file. Rebuild the model in Keras 3 code and load its weights instead."
            )
    if len(tensors) == 1:
        result = layer(tensors[0], **kwargs)
    elif type(layer).__name__ in _RECURRENT:
        result = layer(tensors[0], initial_state=tensors[1:], **kwargs)
    else:
        result = layer(tensors, **kwargs)
    return list(result) if isinstance(result, list | tuple) else [result]


def _tensor(outputs: dict[str, list[list[Any]]], item: list[Any], version: str) -> Any:
    name, node_index, tensor_index = str(item[0]), int(item[1]), int(item[2])
    try:
        return outputs[name][node_index][tensor_index]
    except (KeyError, IndexError):
        raise ModelLoadError(
            f"The functional model (saved by Keras {version}) refers to output {tensor_index} of call "
            f"{node_index} of layer {name!r}, which does not exist. The file's config is damaged."
        ) from None


def _tensors(items: Any, outputs: dict[str, list[list[Any]]], version: str) -> list[Any]:
    if not items:
        raise ModelLoadError(
            f"The functional model (saved by Keras {version}) names no input or output layers."
        )
    # A single-tensor list [name, node, tensor] was written for one input / output by some versions.
    if isinstance(items[0], str):
        items = [items]
    return [_tensor(outputs, list(item), version) for item in items]
