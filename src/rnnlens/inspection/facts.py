"""Plain-language facts about one output: what it is, where it comes from, how to read its values."""

from __future__ import annotations

from typing import Any

from rnnlens.inspection.semantics import MEANINGS, TASK_TEXT
from rnnlens.inspection.spec import HeadSpec, RecurrentLayerSpec

__all__ = ["output_facts"]


def _fmt_shape(shape: tuple[int | None, ...], axes: tuple[str, ...]) -> str:
    parts = [
        f"{axis}={'?' if size is None else size}" for size, axis in zip(shape, axes, strict=True)
    ]
    return "(" + ", ".join(parts) + ")"


def output_facts(
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
    merge_layer: Any,
) -> list[str]:
    """The plain-language statements about one output, in reading order."""
    facts = [f"Shape {_fmt_shape(shape, axes)}."]
    if rnn is None:
        if merge_layer is not None:
            facts.append(
                f"Computed by {type(merge_layer).__name__} {merge_layer.name!r}, which "
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
        # Under a head, what is true of the recurrent layer's output is not true of this output: name the
        # tensor each statement is about.
        layer = (
            f"The {rnn.layer_class} layer {rnn.name!r} (feeding the head)" if head.layers else None
        )
        facts.extend(_kind_facts(kind, rnn, direction, layer))
        facts.extend(_layer_facts(rnn, kind, f"layer {rnn.name!r}" if head.layers else None))
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
        logits = " (from_logits=True)" if loss.from_logits else ""
        facts.append(f"Task: {task_text}; confirmed by the compiled loss {loss.name}{logits}.")
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


def _kind_facts(
    kind: str, rnn: RecurrentLayerSpec, direction: str | None, layer: str | None
) -> list[str]:
    """What the recurrent piece is; ``layer`` names the layer when a head sits between it and the output."""
    equals_state = rnn.kind in ("LSTM", "GRU", "SimpleRNN")
    if layer is not None:
        return _kind_facts_under_head(kind, rnn, direction, layer, equals_state)
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


def _kind_facts_under_head(
    kind: str, rnn: RecurrentLayerSpec, direction: str | None, layer: str, equals_state: bool
) -> list[str]:
    if kind == "sequence":
        text = f"{layer} returns the full sequence, one vector per timestep (return_sequences=True)"
        if rnn.return_state and equals_state and not rnn.bidirectional:
            text += "; that sequence's last step equals its state_h when no step is masked"
        return [text + "."]
    if kind == "last_step":
        text = f"{layer} returns only its last step, its output after reading the whole sequence"
        if equals_state:
            text += "; that tensor equals its state_h, the final hidden state"
        return [text + "."]
    if kind.endswith("state_c"):
        return [
            f"{layer} passes on its final cell state c_T ({direction} direction), the LSTM's "
            "long-term memory: not squashed, it can exceed [-1, 1]."
        ]
    if kind.endswith("state_h") or kind.startswith("state"):
        text = f"{layer} passes on its final hidden state ({direction} direction)"
        if equals_state:
            same = "its output" if not rnn.return_sequences else "its output's last step"
            text += f"; that state equals {same} for the same direction"
        return [text + "."]
    return []


def _layer_facts(rnn: RecurrentLayerSpec, kind: str, layer: str | None) -> list[str]:
    """Facts from the layer's configuration; under a head (``layer`` given) each names the layer."""
    named = "the layer" if layer is None else layer
    facts = []
    if rnn.time_distributed:
        facts.append(
            "Wrapped in TimeDistributed: the recurrent layer runs independently on every step of axis 1 "
            f"(an outer sequence); its own time axis is the inner one, of length {rnn.timesteps}."
        )
    if rnn.bidirectional:
        axis = "the last axis" if layer is None else f"the last axis of the output of {layer}"
        if rnn.merge_mode == "concat" and kind in ("sequence", "last_step"):
            facts.append(
                f"Bidirectional concat: {axis} has {2 * rnn.units} values; [:{rnn.units}] is the "
                f"forward direction, [{rnn.units}:] the backward direction."
            )
        elif rnn.merge_mode in ("sum", "ave", "mul") and kind in ("sequence", "last_step"):
            op = {"sum": "sum", "ave": "average", "mul": "product"}[rnn.merge_mode]
            what = "" if layer is None else f" (the output of {layer})"
            facts.append(
                f"Bidirectional {rnn.merge_mode}{what}: the element-wise {op} of the forward and backward "
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
            also = "" if layer is None else ", and so does step 0 of this output"
            facts.append(
                f"go_backwards=True: {named} reads the input from the last step to the first and returns "
                "its sequence in that processing order, reversed: output step 0 belongs to the LAST "
                f"input step{also}. Flip it along time to align it with the input."
            )
        else:
            facts.append(
                f"go_backwards=True: {named} reads the input from the last step to the first, so its "
                "final state ends on input step 0."
            )
    if rnn.masked:
        if kind == "sequence":
            zero = rnn.zero_output_for_mask or rnn.bidirectional
            facts.append(
                f"Masked input: at masked steps {named} carries its state over unchanged and its output "
                + (
                    "is zero (zero_output_for_mask=True; Bidirectional forces this)."
                    if zero
                    else "repeats the previous step's output (zero_output_for_mask=False)."
                )
            )
        else:
            facts.append(
                f"Masked input: {named} skips masked steps; its result is the state at the last "
                "unmasked step."
            )
    if rnn.stateful:
        facts.append(
            "stateful=True: the final state of each batch becomes the initial state of the next, so a "
            "prediction depends on earlier batches; call layer.reset_states() between independent sequences."
        )
    if rnn.initial_state_from:
        facts.append(
            f"The initial state of {named} comes from "
            f"{', '.join(repr(n) for n in rnn.initial_state_from)}."
        )
    return facts
