"""The ModelSpec of a saved ``.keras`` file from its config alone, for a fast ``describe``.

The same facts :func:`rnnlens.inspection.build.build_spec` finds on a built model, read from the graph in
:mod:`rnnlens.inspection.saved_graph` instead: no backend is imported. It covers the layers that module
lists; for anything else :func:`describe_saved` returns None and the caller loads the model. Tests run both
paths on the same files and require equal results.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from rnnlens import names
from rnnlens.inspection.outputs import _PASS_THROUGH, _PER_STEP, assemble_output_spec
from rnnlens.inspection.saved_graph import (
    RECURRENT,
    NotEnough,
    SavedCall,
    SavedGraph,
    SavedLayer,
    SavedTensor,
    activation_name,
    read_graph,
)
from rnnlens.inspection.semantics import (
    MEANINGS,
    activation_meaning,
    loss_for_output,
    loss_names,
    meaning_with_loss,
)
from rnnlens.inspection.spec import HeadSpec, InputSpec, ModelSpec, OutputSpec, RecurrentLayerSpec
from rnnlens.model_inputs import ModelInput

__all__ = ["describe_saved", "spec_from_config"]

_ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "ELU": "elu", "LeakyReLU": "leaky_relu"}


def describe_saved(path: str | os.PathLike[str]) -> ModelSpec | None:
    """The :class:`ModelSpec` of a ``.keras`` file read from its config, or None where the model must be built.

    Raises:
        ModelLoadError: the file is missing, corrupt or not a Keras model (as :func:`rnnlens.load_model`).
    """
    from rnnlens.loading import read_saved_config

    saved = read_saved_config(path)
    if saved is None:
        return None
    config, loss = saved
    try:
        return spec_from_config(config, loss)
    except NotEnough:
        return None


def spec_from_config(config: dict[str, Any], loss: Any = None) -> ModelSpec:
    """Build the ModelSpec from a ``config.json`` and the file's compiled loss.

    Raises:
        NotEnough: the config holds something only a built model can describe exactly.
    """
    graph = _Graph(read_graph(config))
    layer_specs = {
        layer.name: graph.recurrent_spec(layer)
        for layer in graph.saved.layers.values()
        if graph.is_recurrent(layer)
    }
    output_specs = tuple(
        graph.describe_output(i, tensor, tensor.layer, loss, layer_specs)
        for i, tensor in enumerate(graph.saved.outputs)
    )
    patterns = {o.pattern for o in output_specs}
    pattern = (
        patterns.pop()
        if len(patterns) == 1
        else ("encoder-decoder" if "encoder-decoder" in patterns else "mixed")
    )
    tasks = {o.task for o in output_specs}
    warnings = tuple(w for o in output_specs for w in o.warnings)
    if not layer_specs:
        warnings = (*warnings, "No recurrent layer found: tracing and state analysis do not apply.")
    return ModelSpec(
        name=graph.saved.name,
        inputs=graph.input_specs(),
        outputs=output_specs,
        recurrent_layers=tuple(layer_specs.values()),
        pattern=pattern,
        task=tasks.pop() if len(tasks) == 1 else "multi-task",
        loss=loss_names(loss),
        warnings=warnings,
    )


@dataclass(frozen=True)
class _Call:
    """A layer call upstream of a tensor (``layer`` None: the tensor is a model input)."""

    layer: SavedLayer | None
    call: SavedCall | None
    index: int


class _Graph:
    """Walks a :class:`SavedGraph` the way :mod:`rnnlens.inspection.graph` walks a Keras graph."""

    def __init__(self, saved: SavedGraph) -> None:
        self.saved = saved

    # ------------------------------------------------------------------------------ walking
    def producer(self, tensor: SavedTensor) -> _Call:
        layer = self.saved.layers[tensor.layer]
        if layer.class_name == "InputLayer":
            return _Call(None, None, 0)
        return _Call(layer, layer.calls[tensor.node], tensor.index)

    def ancestors(self, tensor: SavedTensor, *, positional_only: bool = False) -> Iterator[_Call]:
        seen: set[tuple[str, int]] = set()
        stack = [tensor]
        while stack:
            current = stack.pop(0)
            found = self.producer(current)
            if found.layer is None or found.call is None:
                continue
            key = (found.layer.name, current.node)
            if key in seen:
                continue
            seen.add(key)
            yield found
            upstream = (
                found.call.positional_tensors() if positional_only else found.call.input_tensors()
            )
            stack.extend(upstream)

    def input_index(self, tensor: SavedTensor | None) -> int | None:
        if tensor is None or self.producer(tensor).layer is not None:
            return None
        same = [i for i, t in enumerate(self.saved.inputs) if t.layer == tensor.layer]
        return same[0] if same else None

    @staticmethod
    def is_recurrent(layer: SavedLayer | None) -> bool:
        return layer is not None and (
            layer.class_name in RECURRENT or layer.class_name == "Bidirectional"
        )

    # ------------------------------------------------------------------------ recurrent layers
    def recurrent_spec(self, layer: SavedLayer) -> RecurrentLayerSpec:
        bidirectional = layer.class_name == "Bidirectional"
        rnn = layer.inner() if bidirectional else layer
        config = rnn.config
        row = names.kind(rnn.class_name)
        call = layer.calls[0] if layer.calls else None
        main = call.positional_tensors()[0] if call and call.positional_tensors() else None
        shape = main.shape if main is not None and main.shape is not None else ()
        initial_from: list[str] = []
        for tensor in call.keyword_tensors("initial_state") if call else []:
            source = self._recurrent_source(tensor)
            if source is not None and source not in initial_from:
                initial_from.append(source)
        zero = config.get("zero_output_for_mask", False)
        if bidirectional:  # Keras's Bidirectional forces it to return_sequences on both layers
            zero = config["return_sequences"]
        return RecurrentLayerSpec(
            name=layer.name,
            layer_class=f"Bidirectional({rnn.class_name})" if bidirectional else rnn.class_name,
            kind=row.name,
            cells=(row.cell_class,),
            units=int(config["units"]),
            return_sequences=bool(config["return_sequences"]),
            return_state=bool(config["return_state"]),
            go_backwards=bool(config["go_backwards"]),
            stateful=bool(config["stateful"]),
            masked=bool(call.keyword_tensors("mask")) if call else False,
            zero_output_for_mask=bool(zero),
            bidirectional=bidirectional,
            merge_mode=layer.config.get("merge_mode") if bidirectional else None,
            time_distributed=False,
            activation=activation_name(rnn),
            recurrent_activation=activation_name(rnn, "recurrent_activation"),
            reset_after=config.get("reset_after") if rnn.class_name == "GRU" else None,
            initial_state_from=tuple(initial_from),
            input_features=shape[-1] if shape else None,
            timesteps=shape[-2] if len(shape) >= 3 else None,
            path=(),
            state_names=row.return_state_labels,
        )

    def _recurrent_source(self, tensor: SavedTensor) -> str | None:
        frontier = [tensor]
        for _ in range(50):
            if not frontier:
                return None
            found = self.producer(frontier.pop(0))
            if found.layer is None:
                continue
            if self.is_recurrent(found.layer):
                return found.layer.name
            frontier.extend(found.call.input_tensors() if found.call is not None else [])
        return None

    # ---------------------------------------------------------------------------------- inputs
    def input_specs(self) -> tuple[InputSpec, ...]:
        readers = self._embedding_readers()
        inputs = self.saved.inputs
        if not readers and len(inputs) == 1:
            first = next(
                (
                    layer
                    for layer in self.saved.layers.values()
                    if layer.class_name != "InputLayer" and not layer.operation
                ),
                None,
            )
            if first is not None and first.class_name == "Embedding":
                readers[0] = first
        roles = self._roles()
        specs = []
        for index, tensor in enumerate(inputs):
            embedding = readers.get(index)
            dtype = tensor.dtype or "float32"
            described = ModelInput(
                index=index,
                name=tensor.layer,
                shape=tensor.shape or (),
                dtype=dtype,
                tokens=embedding is not None or "int" in dtype,
                vocab_size=int(embedding.config["input_dim"]) if embedding is not None else None,
                mask_zero=bool(embedding.config.get("mask_zero", False)) if embedding else False,
                role=roles.get(index, "input"),
            )
            specs.append(
                InputSpec(
                    index=described.index,
                    name=described.name,
                    shape=described.shape,
                    axes=described.axes,
                    dtype=described.dtype,
                    tokens=described.tokens,
                    vocab_size=described.vocab_size,
                    mask_zero=described.mask_zero,
                    role=described.role,
                )
            )
        return tuple(specs)

    def _embedding_readers(self) -> dict[int, SavedLayer]:
        found: dict[int, SavedLayer] = {}
        for output in self.saved.outputs:
            for call in self.ancestors(output):
                if call.layer is None or call.layer.class_name != "Embedding" or call.call is None:
                    continue
                args = call.call.positional_tensors()
                index = self.input_index(args[0] if args else None)
                if index is not None:
                    found.setdefault(index, call.layer)
        return found

    def _roles(self) -> dict[int, str]:
        encoders: set[int] = set()
        decoders: set[int] = set()
        for output in self.saved.outputs:
            for call in self.ancestors(output):
                if not self.is_recurrent(call.layer) or call.call is None:
                    continue
                states = call.call.keyword_tensors("initial_state")
                if not states:
                    continue
                args = call.call.positional_tensors()
                decoders |= self._upstream_inputs(args[0] if args else None)
                for state in states:
                    encoders |= self._upstream_inputs(state)
        roles = {index: "encoder" for index in encoders - decoders}
        roles.update({index: "decoder" for index in decoders - encoders})
        return roles

    def _upstream_inputs(self, tensor: SavedTensor | None) -> set[int]:
        found: set[int] = set()
        if tensor is None:
            return found
        start = self.input_index(tensor)
        if start is not None:
            found.add(start)
        for call in self.ancestors(tensor, positional_only=True):
            for source in call.call.positional_tensors() if call.call is not None else []:
                index = self.input_index(source)
                if index is not None:
                    found.add(index)
        return found

    # --------------------------------------------------------------------------------- outputs
    def describe_output(
        self,
        index: int,
        tensor: SavedTensor,
        name: str,
        loss: Any,
        layer_specs: dict[str, RecurrentLayerSpec],
    ) -> OutputSpec:
        shape = tensor.shape or ()
        rnn, head = self._find_source(tensor)
        info = loss_for_output(loss, index, name, len(self.saved.outputs))
        head_spec = _head_spec(head, per_timestep=len(shape) >= 3)
        meaning = meaning_with_loss(head_spec.meaning, info)
        if meaning != head_spec.meaning:
            head_spec = replace(head_spec, meaning=meaning, range=MEANINGS[meaning][0])
        has_rnn = any(self.is_recurrent(found.layer) for found in self.ancestors(tensor))
        rnn_spec = (
            layer_specs[rnn.layer.name] if rnn is not None and rnn.layer is not None else None
        )
        return assemble_output_spec(
            index,
            name,
            shape,
            rnn_spec,
            None if rnn is None else rnn.index,
            head_spec,
            info,
            pattern=lambda is_sequence: self._pattern(tensor, is_sequence, has_rnn),
            causal=lambda is_sequence: self._causal(tensor, is_sequence),
        )

    def _find_source(self, tensor: SavedTensor) -> tuple[_Call | None, tuple[SavedLayer, ...]]:
        head: list[SavedLayer] = []
        current = self.producer(tensor)
        while current.layer is not None and current.call is not None:
            if self.is_recurrent(current.layer):
                return current, tuple(head)
            head.append(current.layer)
            inputs = current.call.positional_tensors()
            if len(inputs) != 1:
                # A merging layer: the full path names it in a fact; build the model for that.
                raise NotEnough("an output computed by a merging layer")
            current = self.producer(inputs[0])
        return None, tuple(head)

    def _causal(self, tensor: SavedTensor, sequence: bool) -> bool | None:
        if not sequence:
            return None
        for found in self.ancestors(tensor, positional_only=True):
            layer = found.layer
            if layer is None:
                continue
            if self.is_recurrent(layer):
                spec = self.recurrent_spec(layer)
                if spec.bidirectional or spec.go_backwards or not spec.return_sequences:
                    return False
                continue
            name = _unwrap(layer).class_name
            if name == "RepeatVector":
                return False
            if name not in _PER_STEP:
                return None
        return True

    def _pattern(self, tensor: SavedTensor, sequence: bool, has_rnn: bool) -> str:
        if not has_rnn:
            return "no-recurrence"
        for found in self.ancestors(tensor):
            if found.layer is None:
                continue
            if self.is_recurrent(found.layer):
                if self.recurrent_spec(found.layer).initial_state_from:
                    return "encoder-decoder"
            elif _unwrap(found.layer).class_name == "RepeatVector":
                return "encoder-decoder"
        return "many-to-many" if sequence else "many-to-one"


def _unwrap(layer: SavedLayer) -> SavedLayer:
    return layer.inner() if layer.class_name == "TimeDistributed" else layer


def _activation_of(layer: SavedLayer) -> tuple[bool, str | None]:
    """(defines the output's activation?, its name), as :func:`rnnlens.inspection.outputs` decides it."""
    inner = _unwrap(layer)
    cls = inner.class_name
    if cls in _ACTIVATION_LAYERS:
        return True, _ACTIVATION_LAYERS[cls]
    name = activation_name(inner) if cls in ("Dense", "Activation") else None
    if name is not None and cls not in _PASS_THROUGH:
        return True, name
    if cls in _PASS_THROUGH or cls in ("LayerNormalization", "BatchNormalization"):
        return False, None
    return True, None


def _head_spec(head: tuple[SavedLayer, ...], per_timestep: bool) -> HeadSpec:
    if not head:
        meaning, activation = "hidden_state", None
    else:
        activation = None
        decided = False
        for layer in head:  # nearest the output first
            decided, activation = _activation_of(layer)
            if decided:
                break
        meaning = activation_meaning(activation) if decided and activation else "unknown"
        if decided and activation is None:
            meaning = "unknown"
        if not decided:
            meaning = "hidden_state"
    return HeadSpec(
        tuple(layer.name for layer in reversed(head)),
        activation,
        meaning,
        MEANINGS[meaning][0],
        per_timestep,
    )
