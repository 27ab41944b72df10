"""Walking a Keras 3 functional graph: who produced a tensor, through nested models, and what feeds a layer.

Keras records, on every symbolic tensor, the operation that made it, which call (node) of that operation, and
which of its outputs it is. Nested models are operations too; we step into them and back out through the node
that called them, so a layer deep inside sub-models is found like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rnnlens import _keras

__all__ = [
    "Producer",
    "ancestors",
    "iter_layers",
    "node_kwarg_tensors",
    "output_names",
    "producer",
    "unwrap",
]


@dataclass(frozen=True)
class Producer:
    """The layer call that produced a tensor: ``layer`` at ``node``, output number ``index``.

    ``scope`` is the stack of (model, node) pairs entered to reach it, outermost first. ``layer`` is None when
    the tensor is a model input.
    """

    layer: Any
    node: Any
    index: int
    scope: tuple[tuple[Any, Any], ...]
    input_position: int | None = None


def _is_model(op: Any) -> bool:
    import keras

    return isinstance(op, keras.Model)


def _is_input_layer(op: Any) -> bool:
    import keras

    return isinstance(op, keras.layers.InputLayer)


def producer(tensor: Any, scope: tuple[tuple[Any, Any], ...] = ()) -> Producer:
    """Find the real layer call behind ``tensor``, entering nested models and leaving them through inputs."""
    history = _keras.keras_history(tensor)
    if history is None:
        return Producer(None, None, 0, scope)
    op, node_index, tensor_index = history
    nodes = _keras.inbound_nodes(op)
    node = nodes[node_index] if nodes else None
    if _is_model(op):
        inner_output = _flat(op.outputs)[tensor_index]
        return producer(inner_output, (*scope, (op, node)))
    if _is_input_layer(op):
        if not scope:
            return Producer(None, None, 0, scope, input_position=_input_position(tensor))
        model, outer_node = scope[-1]
        position = _index_of(_flat(model.inputs), tensor)
        if outer_node is None or position is None:
            return Producer(None, None, 0, scope)
        return producer(outer_node.input_tensors[position], scope[:-1])
    return Producer(op, node, tensor_index, scope)


def node_kwarg_tensors(node: Any, key: str) -> list[Any]:
    """Symbolic tensors passed to a layer call as keyword ``key`` (``initial_state``, ``mask``)."""
    if node is None:
        return []
    value = _keras.node_kwargs(node).get(key)
    if value is None:
        return []
    return [t for t in _flat(value) if _keras.is_symbolic(t)]


def main_input(node: Any) -> Any:
    """The first positional tensor of a layer call (the sequence, for recurrent layers)."""
    if node is None:
        return None
    args = _keras.node_args(node)
    if not args:
        tensors = node.input_tensors
        return tensors[0] if tensors else None
    first = _flat(args[0])
    return first[0] if first else None


def positional_inputs(node: Any) -> list[Any]:
    """Every tensor passed positionally to a layer call (for merging layers, a list)."""
    if node is None:
        return []
    return [t for t in _flat(_keras.node_args(node)) if _keras.is_symbolic(t)]


def ancestors(
    tensor: Any, scope: tuple[tuple[Any, Any], ...] = (), *, positional_only: bool = False
) -> Iterator[Producer]:
    """Every layer call upstream of ``tensor`` (each once), nearest first.

    Follows all inputs, including ``initial_state`` and ``mask`` keywords, unless ``positional_only``: then
    only the data path (what a layer reads positionally) is followed.
    """
    seen: set[int] = set()
    stack = [(tensor, scope)]
    while stack:
        current, current_scope = stack.pop(0)
        found = producer(current, current_scope)
        if found.layer is None:
            continue
        key = id(found.node) if found.node is not None else id(found.layer)
        if key in seen:
            continue
        seen.add(key)
        yield found
        if found.node is None:
            continue
        upstream = positional_inputs(found.node) if positional_only else found.node.input_tensors
        stack.extend((tensor_, found.scope) for tensor_ in upstream)


def iter_layers(model: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every layer of ``model``, depth first, with the names of the models enclosing it."""
    for layer in getattr(model, "layers", []):
        yield layer, path
        if _is_model(layer):
            yield from iter_layers(layer, (*path, layer.name))


def output_names(model: Any) -> list[str]:
    """Output names as users know them: Keras's names, or the producing layer's name for auto-named ones
    (Sequential models name their outputs ``keras_tensor_N``)."""
    outputs = list(model.outputs)
    names = list(getattr(model, "output_names", None) or [t.name for t in outputs])
    resolved = []
    for name, tensor in zip(names, outputs, strict=True):
        if name.startswith("keras_tensor"):
            history = _keras.keras_history(tensor)
            if history is not None:
                op, _, index = history
                name = op.name if index == 0 else f"{op.name}_{index}"
        resolved.append(name)
    return resolved


def unwrap(layer: Any) -> Any:
    """The layer inside a ``TimeDistributed`` wrapper (or the layer itself)."""
    return _keras.unwrap_time_distributed(layer)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [item for v in value.values() for item in _flat(v)]
    if isinstance(value, list | tuple):
        return [item for v in value for item in _flat(v)]
    return [value]


def _index_of(tensors: list[Any], tensor: Any) -> int | None:
    for i, candidate in enumerate(tensors):
        if candidate is tensor:
            return i
    return None


def _input_position(tensor: Any) -> int | None:
    return None
