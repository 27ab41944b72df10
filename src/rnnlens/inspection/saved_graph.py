"""A saved model's graph read from its ``config.json`` alone: no Keras, no backend, no weights.

``rnnlens describe`` needs only the architecture. Building the model means importing a backend (TensorFlow
takes 10-20 s to import); the config records every layer, how each was called and the shape of every tensor a
layer received, which is enough for the layers listed here. Anything else (a custom or unlisted layer, a
nested model, a non-string activation, a config written in another format) raises :class:`NotEnough`, and
the caller builds the model instead. Shapes of model outputs, which no call records, are computed for the
listed layers by Keras's own rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rnnlens import names

__all__ = ["NotEnough", "SavedCall", "SavedGraph", "SavedLayer", "SavedTensor", "read_graph"]

Shape = tuple[int | None, ...]

RECURRENT = frozenset(names.KINDS)
"""The recurrent layer classes read from a config (a Bidirectional of one of them too)."""

SAME_SHAPE = frozenset(
    {
        "Activation",
        "Dropout",
        "SpatialDropout1D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
        "Identity",
        "Masking",
        "LayerNormalization",
        "BatchNormalization",
        "Softmax",
        "ReLU",
        "LeakyReLU",
        "ELU",
    }
)
MERGING = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
KNOWN = (
    SAME_SHAPE
    | MERGING
    | RECURRENT
    | {"InputLayer", "Dense", "Embedding", "RepeatVector", "Flatten", "Concatenate"}
    | {"Bidirectional", "TimeDistributed"}
)
"""Every layer class a config-only description handles."""

OPERATIONS = frozenset({"NotEqual", "Any"})
"""The Keras operations a functional config records for masks (``Embedding(mask_zero=True)``, ``Masking``)."""

MASK_SOURCES = frozenset({"Embedding", "Masking"})
PROPAGATES_MASK = SAME_SHAPE | {"Dense"}
"""Layers that pass a mask on unchanged (``supports_masking``), as a Sequential model rebuilds its calls."""

SAFE_ACTIVATIONS = frozenset(
    {
        "tanh",
        "sigmoid",
        "relu",
        "softmax",
        "linear",
        "hard_sigmoid",
        "elu",
        "selu",
        "softplus",
        "softsign",
        "exponential",
        "gelu",
        "relu6",
        "log_softmax",
        "leaky_relu",
        "silu",
        "mish",
        "hard_tanh",
        "log_sigmoid",
    }
)
"""Activation names whose Keras function carries the same ``__name__`` (``"swish"`` does not: it is silu)."""


class NotEnough(Exception):
    """The config alone cannot describe this model exactly: build it instead."""


@dataclass(frozen=True)
class SavedTensor:
    """Output ``index`` of call ``node`` of layer ``layer``; its shape and dtype when the config records them."""

    layer: str
    node: int
    index: int
    shape: Shape | None = field(default=None, compare=False)
    dtype: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SavedCall:
    """One call of a layer: its positional and keyword arguments, tensors as :class:`SavedTensor`."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def positional_tensors(self) -> list[SavedTensor]:
        return _tensors(self.args)

    def input_tensors(self) -> list[SavedTensor]:
        return _tensors(self.args) + _tensors(list(self.kwargs.values()))

    def keyword_tensors(self, key: str) -> list[SavedTensor]:
        return _tensors(self.kwargs.get(key))


@dataclass(frozen=True)
class SavedLayer:
    """One layer: its Keras class name, its config, and the calls recorded for it."""

    class_name: str
    name: str
    config: dict[str, Any]
    calls: tuple[SavedCall, ...]
    operation: bool = False
    """A Keras operation (``NotEqual``), not a layer: it is not among ``model.layers``."""

    def inner(self) -> SavedLayer:
        """The layer a ``TimeDistributed`` or ``Bidirectional`` wraps (its forward layer)."""
        return _layer(self.config["layer"], calls=())


@dataclass(frozen=True)
class SavedGraph:
    """A model as its config describes it: layers in ``model.layers`` order, inputs, outputs."""

    name: str
    layers: dict[str, SavedLayer]
    inputs: tuple[SavedTensor, ...]
    outputs: tuple[SavedTensor, ...]


def read_graph(config: dict[str, Any]) -> SavedGraph:
    """The graph of a Keras 3 ``Functional`` or ``Sequential`` config (the top level of ``config.json``).

    Raises:
        NotEnough: anything this module does not read exactly.
    """
    try:
        kind = config["class_name"]
        body = config["config"]
        if kind == "Functional":
            graph = _read_functional(body)
        elif kind == "Sequential":
            graph = _read_sequential(body)
        else:
            raise NotEnough(f"a {kind} model")
        for layer in graph.layers.values():
            _check_layer(layer)
        outputs = tuple(
            SavedTensor(t.layer, t.node, t.index, output_shape(graph, t)) for t in graph.outputs
        )
        return SavedGraph(graph.name, graph.layers, graph.inputs, outputs)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise NotEnough(f"an unexpected config ({type(exc).__name__}: {exc})") from exc


def _check_layer(layer: SavedLayer) -> None:
    if layer.operation:
        if layer.class_name not in OPERATIONS:
            raise NotEnough(f"operation {layer.class_name}")
        return
    if layer.class_name not in KNOWN:
        raise NotEnough(f"layer class {layer.class_name}")
    wrapped = layer.inner() if layer.class_name in ("Bidirectional", "TimeDistributed") else None
    if layer.class_name == "Bidirectional" and wrapped is not None:
        if wrapped.class_name not in RECURRENT or "backward_layer" not in layer.config:
            raise NotEnough("a Bidirectional of an unlisted layer")
        _check_layer(_layer(layer.config["backward_layer"], calls=()))
    per_step = KNOWN - RECURRENT - {"Bidirectional", "TimeDistributed"}
    if layer.class_name == "TimeDistributed" and wrapped and wrapped.class_name not in per_step:
        raise NotEnough("a TimeDistributed of a recurrent or unlisted layer")
    for target in (layer, wrapped):
        if target is None:
            continue
        for key in ("activation", "recurrent_activation"):
            value = target.config.get(key)
            if key in target.config and not (isinstance(value, str) and value in SAFE_ACTIVATIONS):
                raise NotEnough(f"{key} {value!r}")


def activation_name(layer: SavedLayer, key: str = "activation") -> str | None:
    """The ``__name__`` of the Keras function a layer's config names (checked by :func:`read_graph`)."""
    value = layer.config.get(key)
    return None if value is None else str(value)


# ------------------------------------------------------------------------------------ reading
def _read_functional(body: dict[str, Any]) -> SavedGraph:
    layers = {}
    for entry in body["layers"]:
        calls = tuple(_call(node) for node in entry.get("inbound_nodes", []))
        layer = _layer(entry, calls)
        if layer.name in layers:
            raise NotEnough("two layers with one name")
        layers[layer.name] = layer
    inputs = tuple(_endpoint(item, layers) for item in _triples(body["input_layers"]))
    outputs = tuple(_endpoint(item, layers) for item in _triples(body["output_layers"]))
    for tensor in inputs:
        if layers[tensor.layer].class_name != "InputLayer":
            raise NotEnough("an input that is not an InputLayer")
    return SavedGraph(body["name"], layers, inputs, outputs)


def _read_sequential(body: dict[str, Any]) -> SavedGraph:
    entries = list(body["layers"])
    if not entries or entries[0]["class_name"] != "InputLayer":
        raise NotEnough("a Sequential model without an input layer")
    first = _layer(entries[0], calls=())
    layers = {first.name: first}
    previous = SavedTensor(first.name, 0, 0, _input_shape(first), _input_dtype(first))
    # The mask a Sequential model's rebuilt calls pass on, stood for by the tensor it is computed from.
    mask: SavedTensor | None = None
    for entry in entries[1:]:
        # Layers without weights (Masking, Dropout) record no input shape: it is the last one's output.
        recorded = (entry.get("build_config") or {}).get("input_shape")
        shape = _shape(recorded) if recorded is not None else output_shape_of(layers, previous)
        received = SavedTensor(previous.layer, 0, 0, shape)
        recurrent = entry["class_name"] in RECURRENT | {"Bidirectional"}
        kwargs = {"mask": mask} if recurrent and mask is not None else {}
        layer = _layer(entry, (SavedCall((received,), kwargs),))
        if layer.name in layers:
            raise NotEnough("two layers with one name")
        layers[layer.name] = layer
        mask = _mask_after(layer, received, mask)
        previous = SavedTensor(layer.name, 0, 0)
    inputs = (SavedTensor(first.name, 0, 0, _input_shape(first), _input_dtype(first)),)
    return SavedGraph(body["name"], layers, inputs, (SavedTensor(previous.layer, 0, 0),))


def _mask_after(
    layer: SavedLayer, received: SavedTensor, mask: SavedTensor | None
) -> SavedTensor | None:
    """The mask on a Sequential layer's output, by Keras's rules for the listed layers."""
    cls = layer.class_name
    if cls == "Masking" or (cls == "Embedding" and layer.config.get("mask_zero")):
        return received
    if mask is None or cls in PROPAGATES_MASK:
        return mask
    if cls in RECURRENT or cls == "Bidirectional":
        config = layer.inner().config if cls == "Bidirectional" else layer.config
        if config["return_state"]:
            raise NotEnough("a masked recurrent layer returning states inside a Sequential model")
        return mask if config["return_sequences"] else None
    raise NotEnough(f"a mask reaching {cls} in a Sequential model")


def _layer(entry: dict[str, Any], calls: tuple[SavedCall, ...]) -> SavedLayer:
    module = entry.get("module")
    config = entry["config"]
    # Operations are saved under Keras's own (internal) module path.
    if str(module).startswith("keras.") and entry["class_name"] in OPERATIONS:
        return SavedLayer(entry["class_name"], str(config["name"]), config, calls, operation=True)
    if module not in ("keras.layers", "keras"):
        raise NotEnough(f"a layer from module {module!r}")
    return SavedLayer(entry["class_name"], str(config["name"]), config, calls)


def _call(node: Any) -> SavedCall:
    if not isinstance(node, dict):
        raise NotEnough("an inbound node in the older list format")
    return SavedCall(
        tuple(_value(a) for a in node.get("args", [])),
        {str(k): _value(v) for k, v in node.get("kwargs", {}).items()},
    )


def _value(value: Any) -> Any:
    """A call argument with every serialised tensor turned into a :class:`SavedTensor`."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            config = value["config"]
            layer, node, index = config["keras_history"]
            return SavedTensor(
                str(layer), int(node), int(index), _shape(config["shape"]), str(config["dtype"])
            )
        if "class_name" in value:
            raise NotEnough("a serialised object passed to a layer call")
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


def _triples(value: Any) -> list[list[Any]]:
    """``output_layers`` is one ``[name, node, index]`` for a single output, else a list of them."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value]
    if isinstance(value, dict):
        raise NotEnough("inputs or outputs given as a dict")
    return list(value)


def _endpoint(item: list[Any], layers: dict[str, SavedLayer]) -> SavedTensor:
    name, node, index = item
    layer = layers[str(name)]
    if layer.class_name == "InputLayer":
        return SavedTensor(layer.name, 0, 0, _input_shape(layer), _input_dtype(layer))
    return SavedTensor(str(name), int(node), int(index))


def _input_shape(layer: SavedLayer) -> Shape:
    return _shape(layer.config["batch_shape"])


def _input_dtype(layer: SavedLayer) -> str:
    dtype = layer.config.get("dtype", "float32")
    if not isinstance(dtype, str):
        raise NotEnough("an input dtype policy")
    return dtype


def _shape(value: Any) -> Shape:
    if not isinstance(value, list | tuple):
        raise NotEnough("a shape that is not a list")
    return tuple(None if v is None else int(v) for v in value)


def _tensors(value: Any) -> list[SavedTensor]:
    if isinstance(value, SavedTensor):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    return []


# ------------------------------------------------------------------------------ output shapes
def output_shape(graph: SavedGraph, tensor: SavedTensor) -> Shape:
    """The shape of a tensor no call records (a model output), by Keras's rules for the listed layers."""
    return output_shape_of(graph.layers, tensor)


def output_shape_of(layers: dict[str, SavedLayer], tensor: SavedTensor) -> Shape:
    """:func:`output_shape` in a graph still being read."""
    if tensor.shape is not None:
        return tensor.shape
    layer = layers[tensor.layer]
    if layer.class_name == "InputLayer":
        return _input_shape(layer)
    shapes = [t.shape for t in layer.calls[tensor.node].positional_tensors()]
    if any(shape is None for shape in shapes) or not shapes:
        raise NotEnough(f"no recorded input shape for {layer.name!r}")
    outputs = _layer_outputs(layer, [s for s in shapes if s is not None])
    return outputs[tensor.index]


def _layer_outputs(layer: SavedLayer, shapes: list[Shape]) -> list[Shape]:
    cls, config, shape = layer.class_name, layer.config, shapes[0]
    if cls in SAME_SHAPE:
        return [shape]
    if cls in MERGING:
        if any(other != shape for other in shapes):
            raise NotEnough("a merge of tensors of different shapes")
        return [shape]
    if cls == "Dense":
        return [(*shape[:-1], int(config["units"]))]
    if cls == "Embedding":
        return [(*shape, int(config["output_dim"]))]
    if cls == "RepeatVector":
        return [(shape[0], int(config["n"]), *shape[1:])]
    if cls == "Flatten":
        rest = shape[1:]
        return [(shape[0], None if None in rest else math.prod(s for s in rest if s is not None))]
    if cls == "Concatenate":
        axis = int(config.get("axis", -1)) % len(shape)
        sizes = [s[axis] for s in shapes]
        total = None if None in sizes else sum(s for s in sizes if s is not None)
        return [(*shape[:axis], total, *shape[axis + 1 :])]
    if cls == "TimeDistributed":
        inner = _layer_outputs(layer.inner(), [(shape[0], *shape[2:])])[0]
        return [(shape[0], shape[1], *inner[1:])]
    if cls in RECURRENT:
        return _recurrent_outputs(config, shape, cls, merge=1)
    if cls == "Bidirectional":
        forward = layer.inner()
        merge_mode = config.get("merge_mode")
        width = 2 if merge_mode == "concat" else 1
        pieces = _recurrent_outputs(forward.config, shape, forward.class_name, merge=width)
        main, states = pieces[0], pieces[1:]
        mains = [main, main] if merge_mode is None else [main]
        return mains + states + states
    raise NotEnough(f"no output shape rule for {cls}")


def _recurrent_outputs(config: dict[str, Any], shape: Shape, cls: str, merge: int) -> list[Shape]:
    units = int(config["units"])
    main: Shape = (
        (shape[0], shape[1], merge * units)
        if config["return_sequences"]
        else (shape[0], merge * units)
    )
    if not config["return_state"]:
        return [main]
    return [main] + [(shape[0], units)] * len(names.kind(cls).states)
