"""Find every call of a recurrent layer in a model's graph, nested models included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras

from rnnlens import _keras
from rnnlens.errors import TargetError, UnsupportedLayerError
from rnnlens.tracing.layers import is_recurrent, is_unsupported_recurrent
from rnnlens.tracing.names import as_names

__all__ = ["Site", "find_sites", "graph_of", "ordered_nodes", "select_sites"]


@dataclass(frozen=True)
class Site:
    """One call of a recurrent layer.

    ``key`` names it in the trace: the layer name, prefixed by enclosing model names (``"encoder/lstm"``)
    for nested models, suffixed ``[k]`` for the k-th further call of a shared layer.
    """

    key: str
    layer: Any
    node: Any
    path: tuple[str, ...]
    timesteps: int | None


def graph_of(model: Any) -> Any:
    """The functional graph of a Functional or Sequential model.

    Raises:
        UnsupportedLayerError: a subclassed model, which has no graph to replay.
    """
    if isinstance(model, keras.Sequential):
        functional = _keras.functional_graph(model)
        if functional is None:
            raise UnsupportedLayerError(
                f"Sequential model {model.name!r} has no known input shape, so it has no graph yet. "
                "Start it with keras.Input(shape=...) or call model.build(input_shape) first."
            )
        return functional
    if _keras.has_graph(model):
        return model
    raise UnsupportedLayerError(
        f"Model {model.name!r} is a subclassed keras.Model ({type(model).__name__}); rnnlens replays "
        "Functional and Sequential models only. Rebuild it with the functional API, or trace the "
        "recurrent layers inside it as a Functional sub-model."
    )


def is_graph_model(layer: Any) -> bool:
    """A nested model whose graph rnnlens can walk into."""
    if not isinstance(layer, keras.Model):
        return False
    try:
        graph_of(layer)
    except UnsupportedLayerError:
        return False
    return True


def ordered_nodes(graph: Any) -> list[Any]:
    """The graph's operation nodes in execution order (inputs excluded)."""
    nodes = []
    by_depth = _keras.nodes_by_depth(graph)
    for depth in sorted(by_depth, reverse=True):
        for node in by_depth[depth]:
            if node.operation is not None and not node.is_input:
                nodes.append(node)
    return nodes


def find_sites(model: Any) -> tuple[list[Site], list[str]]:
    """Every recurrent layer call in ``model``, in execution order, and the names of untraceable ones."""
    sites: list[Site] = []
    skipped: list[str] = []
    _collect(graph_of(model), (), sites, skipped)
    return sites, skipped


def _collect(graph: Any, path: tuple[str, ...], sites: list[Site], skipped: list[str]) -> None:
    nodes = ordered_nodes(graph)
    for node in nodes:
        layer = node.operation
        if is_recurrent(layer):
            # A shared layer's calls are numbered in call order (its inbound nodes in this graph).
            calls = [n for n in _keras.inbound_nodes(layer) if any(n is m for m in nodes)]
            count = next(i for i, n in enumerate(calls) if n is node)
            name = "/".join((*path, layer.name)) + (f"[{count}]" if count else "")
            args = _keras.node_args(node)
            first = args[0] if args else None
            shape = getattr(first, "shape", None)
            steps = shape[1] if shape is not None and len(shape) > 1 else None
            sites.append(Site(name, layer, node, path, steps))
        elif is_unsupported_recurrent(layer):
            skipped.append("/".join((*path, layer.name)))
        elif is_graph_model(layer):
            _collect(graph_of(layer), (*path, layer.name), sites, skipped)


def select_sites(model: Any, sites: list[Site], skipped: list[str], layers: Any) -> list[Site]:
    """The sites named by ``layers`` (``None``: all), in execution order.

    A name matches a site's key, its bare layer name, or a Bidirectional wrapper's inner layer name.

    Raises:
        UnsupportedLayerError: the model has no recurrent layer, or a named layer is not recurrent.
        TargetError: a named layer does not exist.
    """
    if not sites:
        extra = f" ({', '.join(skipped)} cannot be traced)" if skipped else ""
        raise UnsupportedLayerError(
            f"Model {model.name!r} has no recurrent layer to trace{extra}. rnnlens traces LSTM, GRU, "
            "SimpleRNN, RNN(cell) and Bidirectional layers."
        )
    if layers is None:
        return list(sites)
    names = as_names(layers, "layers", [s.key for s in sites])
    chosen: list[Site] = []
    for name in names:
        matches = [s for s in sites if name in (s.key, s.layer.name) or _inner_name(s) == name]
        if not matches:
            _raise_unknown(model, name, sites, skipped)
        chosen.extend(m for m in matches if m not in chosen)
    return [s for s in sites if s in chosen]


def _inner_name(site: Site) -> str | None:
    if isinstance(site.layer, keras.layers.Bidirectional):
        return str(site.layer.forward_layer.name)
    return None


def _raise_unknown(model: Any, name: str, sites: list[Site], skipped: list[str]) -> None:
    known = [s.key for s in sites]
    if name in skipped:
        raise UnsupportedLayerError(
            f"Layer {name!r} is a convolutional recurrent layer, which rnnlens does not trace. "
            f"Traceable layers: {known}."
        )
    all_names = {layer.name for layer in _all_layers(model)}
    if name in all_names:
        raise UnsupportedLayerError(
            f"Argument `layers` names {name!r}, which is not a recurrent layer. "
            f"Expected one of the model's recurrent layers {known}."
        )
    raise TargetError(
        f"Argument `layers` names {name!r}, but model {model.name!r} has no layer of that name. "
        f"Expected one of its recurrent layers {known}."
    )


def _all_layers(model: Any) -> list[Any]:
    found = []
    for layer in getattr(model, "layers", []):
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer))
    return found
