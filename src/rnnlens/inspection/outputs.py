"""Trace each model output back to its recurrent source and read off what it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rnnlens.inspection.facts import output_facts
from rnnlens.inspection.graph import (
    Producer,
    ancestors,
    positional_inputs,
    producer,
    unwrap,
)
from rnnlens.inspection.recurrent import is_recurrent, recurrent_spec
from rnnlens.inspection.semantics import (
    MEANINGS,
    activation_meaning,
    consistency_warnings,
    infer_task,
    loss_for_output,
    meaning_with_loss,
)
from rnnlens.inspection.spec import HeadSpec, OutputSpec, RecurrentLayerSpec

__all__ = ["describe_output"]

# Layers that move values around without changing what they mean.
_PASS_THROUGH = {
    "Dropout",
    "SpatialDropout1D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "Identity",
    "Reshape",
    "Flatten",
    "Permute",
    "Masking",
}
# Layers applied independently at each timestep: they keep a time axis and keep causality.
_PER_STEP = _PASS_THROUGH - {"Flatten", "Permute", "Reshape"} | {
    "Dense",
    "EinsumDense",
    "Activation",
    "Softmax",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "PReLU",
    "LayerNormalization",
    "BatchNormalization",
    "TimeDistributed",
    "Embedding",
    "InputLayer",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
}
_ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "ELU": "elu", "LeakyReLU": "leaky_relu"}


@dataclass(frozen=True)
class _Source:
    """Where an output comes from: the recurrent layer call, which of its outputs, and the head in between."""

    rnn: Producer | None
    head: tuple[Any, ...]
    merge_layer: Any


def _activation_of(layer: Any) -> tuple[bool, str | None]:
    """(defines the output's activation?, its name) for one head layer."""
    inner = unwrap(layer)
    cls = type(inner).__name__
    if cls in _ACTIVATION_LAYERS:
        return True, _ACTIVATION_LAYERS[cls]
    fn = getattr(inner, "activation", None)
    if fn is not None and cls not in _PASS_THROUGH:
        return True, str(getattr(fn, "__name__", fn))
    if cls in _PASS_THROUGH or cls in ("LayerNormalization", "BatchNormalization"):
        return False, None
    return True, None


def _find_source(tensor: Any) -> _Source:
    head: list[Any] = []
    current = producer(tensor)
    while current.layer is not None:
        if is_recurrent(current.layer):
            return _Source(current, tuple(head), None)
        head.append(current.layer)
        inputs = positional_inputs(current.node)
        if len(inputs) != 1:
            return _Source(None, tuple(head), current.layer)
        current = producer(inputs[0], current.scope)
    return _Source(None, tuple(head), None)


def _head_spec(head: tuple[Any, ...], per_timestep: bool) -> HeadSpec:
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
    value_range = MEANINGS[meaning][0]
    names = tuple(layer.name for layer in reversed(head))
    return HeadSpec(names, activation, meaning, value_range, per_timestep)


def _piece(spec: RecurrentLayerSpec, index: int) -> tuple[str, str, str | None]:
    """(kind, human label, direction) for output number ``index`` of a recurrent layer call."""
    states = list(spec.state_names)
    main_kind = "sequence" if spec.return_sequences else "last_step"
    if not spec.bidirectional:
        direction = "backward" if spec.go_backwards else "forward"
        if index == 0:
            return main_kind, "output", direction
        return states[index - 1], states[index - 1], direction
    if spec.merge_mode is None:
        if index in (0, 1):
            direction = "forward" if index == 0 else "backward"
            return main_kind, f"{direction} output", direction
        index -= 2
    else:
        if index == 0:
            return main_kind, "output", "bidirectional"
        index -= 1
    direction = "forward" if index < len(states) else "backward"
    name = states[index % len(states)]
    return name, f"{direction} {name}", direction


def _axes(shape: tuple[int | None, ...], meaning: str) -> tuple[str, ...]:
    last = {
        "distribution": "classes",
        "log_distribution": "classes",
        "logits": "classes",
        "probability": "labels",
        "binary_logits": "labels",
        "hidden_state": "units",
    }.get(meaning, "targets")
    if len(shape) == 1:
        return ("batch",)
    if len(shape) == 2:
        return ("batch", last)
    if len(shape) == 3:
        return ("batch", "time", last)
    return ("batch", *[f"axis{i}" for i in range(1, len(shape) - 2)], "time", last)


def _causal(tensor: Any, sequence: bool) -> bool | None:
    """Does the output at step t depend only on inputs up to t?"""
    if not sequence:
        return None
    for found in ancestors(tensor, positional_only=True):
        layer = found.layer
        if is_recurrent(layer):
            spec = recurrent_spec(layer)
            if spec.bidirectional or spec.go_backwards or not spec.return_sequences:
                return False
            continue
        name = type(unwrap(layer)).__name__
        if name == "RepeatVector":
            return False
        if name not in _PER_STEP and not is_recurrent(layer):
            return None
    return True


def _pattern(tensor: Any, sequence: bool, has_rnn: bool) -> str:
    if not has_rnn:
        return "no-recurrence"
    for found in ancestors(tensor):
        if is_recurrent(found.layer):
            if recurrent_spec(found.layer).initial_state_from:
                return "encoder-decoder"
        elif type(unwrap(found.layer)).__name__ == "RepeatVector":
            return "encoder-decoder"
    return "many-to-many" if sequence else "many-to-one"


def describe_output(
    model: Any,
    index: int,
    tensor: Any,
    name: str,
    loss: Any,
    layer_specs: dict[str, RecurrentLayerSpec],
) -> OutputSpec:
    """Build the :class:`OutputSpec` of one model output."""
    shape = tuple(tensor.shape)
    source = _find_source(tensor)
    sequence_guess = len(shape) >= 3
    info = loss_for_output(loss, index, name, len(model.outputs))
    head = _head_spec(source.head, per_timestep=sequence_guess)
    meaning = meaning_with_loss(head.meaning, info)
    if meaning != head.meaning:
        head = replace(head, meaning=meaning, range=MEANINGS[meaning][0])
    has_rnn = any(is_recurrent(found.layer) for found in ancestors(tensor))
    rnn_spec = layer_specs.get(source.rnn.layer.name) if source.rnn is not None else None
    if source.rnn is not None and rnn_spec is None:
        rnn_spec = recurrent_spec(source.rnn.layer)
    return assemble_output_spec(
        index,
        name,
        shape,
        rnn_spec,
        None if source.rnn is None else source.rnn.index,
        head,
        info,
        pattern=lambda is_sequence: _pattern(tensor, is_sequence, has_rnn),
        causal=lambda is_sequence: _causal(tensor, is_sequence),
        merge_layer=source.merge_layer,
    )


def assemble_output_spec(
    index: int,
    name: str,
    shape: tuple[Any, ...],
    rnn_spec: RecurrentLayerSpec | None,
    rnn_index: int | None,
    head: HeadSpec,
    info: Any,
    *,
    pattern: Callable[[bool], str],
    causal: Callable[[bool], bool | None],
    merge_layer: Any = None,
) -> OutputSpec:
    """The :class:`OutputSpec` of one output, from what was found about it.

    Shared by the built model's path (:func:`describe_output`) and the saved config's
    (:mod:`rnnlens.inspection.from_config`): they find the source layer and head differently, and
    say the same things about them. ``pattern`` and ``causal`` are asked once it is known whether the
    output has a time axis.
    """
    if rnn_spec is not None and rnn_index is not None:
        kind, piece, direction = _piece(rnn_spec, rnn_index)
    else:
        kind, piece, direction = "derived", None, None
    # A head without time axis turns a sequence into something else (Flatten); trust the final shape.
    if kind == "sequence" and len(shape) < 3:
        kind = "derived"
    axes = _axes(shape, head.meaning)
    is_sequence = "time" in axes
    found_pattern = pattern(is_sequence)
    size = shape[-1] if shape else None
    task = infer_task(head.meaning, size, is_sequence, found_pattern, info)
    warnings = consistency_warnings(head.meaning, head.activation, size, info)
    found_causal = causal(is_sequence)
    facts = output_facts(
        shape,
        axes,
        kind,
        piece,
        direction,
        rnn_spec,
        head,
        task,
        info,
        found_pattern,
        found_causal,
        merge_layer,
    )
    return OutputSpec(
        index=index,
        name=name,
        shape=shape,
        axes=axes,
        kind=kind,
        source_layer=rnn_spec.name if rnn_spec else None,
        source_output=piece,
        direction=direction,
        head=head,
        task=task,
        loss=info.name,
        from_logits=info.from_logits,
        pattern=found_pattern,
        causal=found_causal,
        facts=tuple(facts),
        warnings=tuple(warnings),
    )
