"""Trace each model output back to its recurrent source and read off what it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnlens.inspection.graph import (
    Producer,
    ancestors,
    main_input,
    positional_inputs,
    producer,
    unwrap,
)
from rnnlens.inspection.recurrent import is_recurrent, recurrent_spec
from rnnlens.inspection.semantics import (
    MEANINGS,
    TASK_TEXT,
    activation_meaning,
    consistency_warnings,
    infer_task,
    loss_for_output,
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
        "probability": "labels",
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


def _pattern(tensor: Any, sequence: bool, recurrent_names: set[str], has_rnn: bool) -> str:
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
    head = _head_spec(source.head, per_timestep=sequence_guess)
    has_rnn = any(is_recurrent(found.layer) for found in ancestors(tensor))
    rnn_spec = layer_specs.get(source.rnn.layer.name) if source.rnn is not None else None
    if source.rnn is not None and rnn_spec is None:
        rnn_spec = recurrent_spec(source.rnn.layer)
    if rnn_spec is not None and source.rnn is not None:
        kind, piece, direction = _piece(rnn_spec, source.rnn.index)
    else:
        kind, piece, direction = "derived", None, None
    # A head without time axis turns a sequence into something else (Flatten); trust the final shape.
    if kind == "sequence" and len(shape) < 3:
        kind = "derived"
    axes = _axes(shape, head.meaning)
    is_sequence = "time" in axes
    pattern = _pattern(tensor, is_sequence, set(layer_specs), has_rnn)
    info = loss_for_output(loss, index, name, len(model.outputs))
    task = infer_task(head.meaning, shape[-1] if shape else None, is_sequence, pattern, info)
    warnings = consistency_warnings(
        head.meaning, head.activation, shape[-1] if shape else None, info
    )
    causal = _causal(tensor, is_sequence)
    facts = _facts(
        shape, axes, kind, piece, direction, rnn_spec, head, task, info, pattern, causal, source
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
        pattern=pattern,
        causal=causal,
        facts=tuple(facts),
        warnings=tuple(warnings),
    )


def _fmt_shape(shape: tuple[int | None, ...], axes: tuple[str, ...]) -> str:
    parts = [
        f"{axis}={'?' if size is None else size}" for size, axis in zip(shape, axes, strict=True)
    ]
    return "(" + ", ".join(parts) + ")"


def _facts(
    shape: tuple[int | None, ...],
    axes: tuple[str, ...],
    kind: str,
    piece: str | None,
    direction: str | None,
    rnn: RecurrentLayerSpec | None,
    head: HeadSpec,
    task: str,
    loss: Any,
    pattern: str,
    causal: bool | None,
    source: _Source,
) -> list[str]:
    facts = [f"Shape {_fmt_shape(shape, axes)}."]
    if rnn is None:
        if source.merge_layer is not None:
            facts.append(
                f"Computed by {type(source.merge_layer).__name__} {source.merge_layer.name!r}, which "
                "combines several tensors; it is not a single recurrent layer's output."
            )
        else:
            facts.append("No recurrent layer produces this output.")
    else:
        through = (
            f" through {', '.join(head.layers)}" if head.layers else " directly (no head layers)"
        )
        kind_text = "" if rnn.kind in rnn.layer_class else f"{rnn.kind}, "
        facts.append(
            f"Comes from the {piece} of {rnn.layer_class} {rnn.name!r} ({kind_text}{rnn.units} units)"
            f"{through}."
        )
        facts.extend(_kind_facts(kind, rnn, direction))
        facts.extend(_layer_facts(rnn, kind))
    if causal is True and pattern == "encoder-decoder":
        facts.append(
            "Causal in the decoder input: the value at decoder step t depends on decoder tokens 0..t "
            "and on the whole encoder input."
        )
    elif causal is True:
        facts.append("Causal: the value at step t depends only on input steps 0..t.")
    elif causal is False:
        facts.append(
            "Not causal: a value at step t can depend on input steps after t (backward reading, "
            "Bidirectional or a repeated encoding)."
        )
    facts.append(f"Values: {MEANINGS[head.meaning][1]}.")
    if head.per_timestep and "time" in axes and head.meaning in ("distribution", "probability"):
        facts.append("The activation applies independently at every timestep.")
    task_text = TASK_TEXT.get(task, task)
    if loss.name:
        facts.append(f"Task: {task_text}; confirmed by the compiled loss {loss.name}.")
    else:
        facts.append(
            f"Task (inferred from the architecture; the model is not compiled): {task_text}."
        )
    if pattern == "encoder-decoder":
        facts.append(
            "Encoder-decoder: the decoder starts from the encoder's final state. These outputs are "
            "computed with teacher forcing (the decoder reads the true previous token at each step); at "
            "inference the model must be fed its own previous prediction, one step at a time."
        )
    return facts


def _kind_facts(kind: str, rnn: RecurrentLayerSpec, direction: str | None) -> list[str]:
    equals_state = rnn.kind in ("LSTM", "GRU", "SimpleRNN")
    if kind == "sequence":
        text = ["The full sequence: one vector per timestep (return_sequences=True)."]
        if rnn.return_state and equals_state and not rnn.bidirectional:
            text.append("Its last step output[:, -1, :] equals state_h when no step is masked.")
        return text
    if kind == "last_step":
        text = [
            "Only the last timestep: the layer's final output after reading the whole sequence."
        ]
        if equals_state:
            text.append(
                f"For an {rnn.kind} with return_sequences=False this output equals state_h, the final "
                "hidden state."
            )
        return text
    if kind.endswith("state_c"):
        return [
            "The final cell state c_T: the LSTM's long-term memory. It is not squashed and can exceed "
            "[-1, 1]; it is not an output the next layer would normally see."
        ]
    if kind.endswith("state_h") or kind.startswith("state"):
        text = [f"The final hidden state ({direction} direction)."]
        if equals_state:
            same = "the layer's output" if not rnn.return_sequences else "the output's last step"
            text.append(f"state_h equals {same} for the same direction.")
        return text
    return []


def _layer_facts(rnn: RecurrentLayerSpec, kind: str) -> list[str]:
    facts = []
    if rnn.time_distributed:
        facts.append(
            "Wrapped in TimeDistributed: the recurrent layer runs independently on every step of axis 1 "
            f"(an outer sequence); its own time axis is the inner one, of length {rnn.timesteps}."
        )
    if rnn.bidirectional:
        if rnn.merge_mode == "concat" and kind in ("sequence", "last_step"):
            facts.append(
                f"Bidirectional concat: the last axis has {2 * rnn.units} values; [:{rnn.units}] is the "
                f"forward direction, [{rnn.units}:] the backward direction."
            )
        elif rnn.merge_mode in ("sum", "ave", "mul") and kind in ("sequence", "last_step"):
            op = {"sum": "sum", "ave": "average", "mul": "product"}[rnn.merge_mode]
            facts.append(
                f"Bidirectional {rnn.merge_mode}: the element-wise {op} of the forward and backward "
                "directions; the two can no longer be told apart."
            )
        elif rnn.merge_mode is None:
            facts.append(
                "Bidirectional with merge_mode=None: the two directions are separate tensors."
            )
        if kind == "last_step":
            facts.append(
                "The backward direction's last step is its state after reading the sequence from the end "
                "back to step 0."
            )
        else:
            facts.append(
                "The backward direction's sequence is re-aligned to the input's time order."
            )
    if rnn.go_backwards:
        if kind == "sequence":
            facts.append(
                "go_backwards=True: the layer reads the input from the last step to the first and returns "
                "the sequence in that processing order, reversed: output step 0 belongs to the LAST "
                "input step. Flip it along time to align it with the input."
            )
        else:
            facts.append(
                "go_backwards=True: the layer reads the input from the last step to the first, so its "
                "final state ends on input step 0."
            )
    if rnn.masked:
        if kind == "sequence":
            zero = rnn.zero_output_for_mask or rnn.bidirectional
            facts.append(
                "Masked input: at masked steps the state is carried over unchanged and the output "
                + (
                    "is zero (zero_output_for_mask=True; Bidirectional forces this)."
                    if zero
                    else "repeats the previous step's output (zero_output_for_mask=False)."
                )
            )
        else:
            facts.append(
                "Masked input: masked steps are skipped; the result is the state at the last unmasked step."
            )
    if rnn.stateful:
        facts.append(
            "stateful=True: the final state of each batch becomes the initial state of the next, so a "
            "prediction depends on earlier batches; call layer.reset_states() between independent sequences."
        )
    if rnn.initial_state_from:
        facts.append(
            f"Its initial state comes from {', '.join(repr(n) for n in rnn.initial_state_from)}."
        )
    return facts


def model_input_main(layer: Any) -> Any:
    """Exposed for tests: the sequence tensor a recurrent layer reads."""
    node = layer._inbound_nodes[0] if layer._inbound_nodes else None
    return main_input(node)
