"""Replay a model's graph with its recurrent layers traced, inside one compiled function.

Every node the selected layers depend on is run in execution order, as Keras's ``Functional`` does (masks
propagate the same way); each recurrent layer call is replayed by :func:`replay_layer` instead of Keras, so
traced layers are computed once and nothing in the model changes state (stateful layers included). Weights
enter as arguments through a ``keras.StatelessScope``, so a compiled runner never goes stale when the model
is trained further.

Runners are cached per model in :func:`rnnlens.execution.cached` and hold the model (and its graph, which
for a Functional model is the model itself) weakly, so a cached runner does not keep its model alive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops, tree

from rnnlens import _keras, backends
from rnnlens.execution import cached, weak_model
from rnnlens.tracing.graph import Site, graph_of, is_graph_model, ordered_nodes
from rnnlens.tracing.layers import DirectionPlan, plan_directions, replay_layer

__all__ = ["Runner", "SitePlan", "get_runner"]

Tensor = Any


@dataclass(frozen=True)
class SitePlan:
    """A recurrent layer call to replay: its directions, and whether (and how) to record it."""

    index: int
    site: Site
    directions: tuple[DirectionPlan, ...]
    record: bool


class Runner:
    """The compiled replay of ``model`` for a fixed set of recorded layers.

    Calling it with the model's inputs returns a flat dict: ``"<site>/mask"`` ``(batch, time)``,
    ``"<site>/<dir>/<cell>/<k>"`` (piece ``k`` of the cell's :class:`Layout`, ``(time, batch, size)`` in
    processing order) and ``"<site>/<dir>/<cell>/init<k>"`` (initial states ``(batch, size)``).

    It holds ``model`` weakly: keep the model while you use the runner.
    """

    def __init__(
        self, model: Any, sites: list[Site], recorded: list[Site], record_gates: bool
    ) -> None:
        self._model = weak_model(model)
        recorded_ids = {id(s.node) for s in recorded}
        self.plans: dict[int, SitePlan] = {}
        for index, site in enumerate(sites):
            record = id(site.node) in recorded_ids
            self.plans[id(site.node)] = SitePlan(
                index, site, plan_directions(site.layer, record and record_gates), record
            )
        graph = graph_of(model)
        # A Functional model is its own graph: hold it weakly too. A Sequential's graph is a separate
        # Functional that refers to nothing of the Sequential: hold it, as Keras may replace it later.
        self._graph = self._model if graph is model else (lambda: graph)
        self._needed = _ancestors(graph, [s.node for s in recorded])
        self.masked_output = "first_state" if backends.name() == "jax" else "previous_output"
        self.variables = _variables(model, sites)
        self._compiled = backends.compile_function(self._run)

    @property
    def model(self) -> Any:
        """The replayed model.

        Raises:
            RuntimeError: the model was garbage-collected.
        """
        return self._model()

    @property
    def graph(self) -> Any:
        """The model's functional graph (see :func:`rnnlens.tracing.graph.graph_of`)."""
        return self._graph()

    def __call__(self, inputs: list[Any]) -> dict[str, Any]:
        """Run on a list of arrays (one per model input); returns NumPy arrays."""
        values = [v.value for v in self.variables]
        outputs = self._compiled(values, list(inputs))
        return {name: _to_numpy(tensor) for name, tensor in outputs.items()}

    def _run(self, values: list[Tensor], inputs: list[Tensor]) -> dict[str, Tensor]:
        records: dict[str, Tensor] = {}
        with keras.StatelessScope(state_mapping=list(zip(self.variables, values, strict=True))):
            tensors = [
                ops.convert_to_tensor(x, dtype=spec.dtype)
                for x, spec in zip(inputs, self.graph.inputs, strict=True)
            ]
            self._run_graph(self.graph, tensors, records, self._needed)
        return records

    def _run_graph(
        self, graph: Any, inputs: list[Tensor], records: dict[str, Tensor], needed: set[int] | None
    ) -> list[Tensor]:
        tensor_dict = {id(x): y for x, y in zip(graph.inputs, inputs, strict=True)}
        for node in ordered_nodes(graph):
            if needed is not None and id(node) not in needed:
                continue
            if any(id(x) not in tensor_dict for x in node.input_tensors):
                continue
            args, kwargs = _keras.fill_in_call(node, tensor_dict)
            operation = node.operation
            plan = self.plans.get(id(node))
            if plan is not None:
                outputs = self._replay(plan, args, kwargs, records)
            elif is_graph_model(operation):
                outputs = self._run_nested(operation, args, kwargs, records)
            else:
                outputs = tree.flatten(operation(*args, **kwargs))
            for x, y in zip(node.outputs, outputs, strict=False):
                tensor_dict[id(x)] = y
        if needed is not None:
            return []
        return [tensor_dict[id(x)] for x in graph.outputs]

    def _replay(
        self, plan: SitePlan, args: Any, kwargs: dict[str, Any], records: dict[str, Tensor]
    ) -> list[Tensor]:
        layer = plan.site.layer
        outputs, runs, mask = replay_layer(
            layer,
            plan.directions,
            tuple(args),
            dict(kwargs),
            masked_output=self.masked_output,
        )
        out_masks = tree.flatten(layer.compute_mask(args[0], mask)) if mask is not None else []
        for tensor, out_mask in zip(outputs, out_masks, strict=False):
            if out_mask is not None:
                _keras.set_mask(tensor, out_mask)
        if plan.record:
            if mask is not None:
                records[f"{plan.index}/mask"] = ops.cast(mask, "bool")
            for d, run in enumerate(runs):
                for c, pieces in enumerate(run.pieces):
                    for k, piece in enumerate(pieces):
                        records[f"{plan.index}/{d}/{c}/{k}"] = piece
                    for k, state in enumerate(run.initial[c]):
                        records[f"{plan.index}/{d}/{c}/init{k}"] = state
        return outputs

    def _run_nested(
        self, model: Any, args: Any, kwargs: dict[str, Any], records: dict[str, Tensor]
    ) -> list[Tensor]:
        graph = graph_of(model)
        flat = tree.flatten(args)
        masks = kwargs.get("mask")
        masks = tree.flatten(masks) if masks is not None else [_keras.get_mask(x) for x in flat]
        inputs = []
        for x, spec, m in zip(flat, graph.inputs, masks, strict=False):
            y = ops.cast(x, spec.dtype) if str(x.dtype) != str(spec.dtype) else x
            if m is not None:
                _keras.set_mask(y, m)
            inputs.append(y)
        return self._run_graph(graph, inputs, records, None)


def _to_numpy(tensor: Any) -> Any:
    """Zero-copy where the framework allows it (CPU tensors); ``keras.ops`` copies every array."""
    try:
        return np.asarray(tensor)
    except Exception:  # e.g. a tensor on an accelerator
        return ops.convert_to_numpy(tensor)


def get_runner(model: Any, sites: list[Site], recorded: list[Site], record_gates: bool) -> Runner:
    """A :class:`Runner` for ``model``, cached in :func:`rnnlens.execution.cached` (compiled once)."""
    key = (
        "tracing",
        "runner",
        backends.name(),
        tuple(s.key for s in recorded),
        record_gates,
        len(model.variables),
    )
    return cached(model, key, lambda: Runner(model, sites, recorded, record_gates))


def _ancestors(graph: Any, targets: list[Any]) -> set[int]:
    """Ids of the nodes of ``graph`` that the target nodes (possibly inside nested models) depend on."""
    own = {id(node) for node in ordered_nodes(graph)}
    start = []
    target_ids = {id(t) for t in targets}
    for node in ordered_nodes(graph):
        nested = is_graph_model(node.operation) and _contains(node.operation, targets)
        if id(node) in target_ids or nested:
            start.append(node)
    needed: set[int] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if id(node) in needed or id(node) not in own:
            continue
        needed.add(id(node))
        stack.extend(node.parent_nodes)
    return needed


def _contains(model: Any, targets: list[Any]) -> bool:
    ids = {id(t) for t in targets}
    for node in ordered_nodes(graph_of(model)):
        if id(node) in ids:
            return True
        if is_graph_model(node.operation) and _contains(node.operation, targets):
            return True
    return False


def _variables(model: Any, sites: list[Site]) -> list[Any]:
    """Every variable the replay reads: the model's, plus stateful layers' (untracked) state variables."""
    found: dict[int, Any] = {id(v): v for v in model.variables}
    for site in sites:
        layer = site.layer
        halves = (
            [layer.forward_layer, layer.backward_layer]
            if isinstance(layer, keras.layers.Bidirectional)
            else [layer]
        )
        for rnn in halves:
            if rnn.stateful and rnn.states is not None:
                for v in tree.flatten(rnn.states):
                    found.setdefault(id(v), v)
    return list(found.values())
