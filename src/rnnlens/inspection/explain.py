"""Read a ModelSpec out in plain language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlens.inspection.semantics import TASK_TEXT

if (
    TYPE_CHECKING
):  # spec imports this module to read itself out; at run time only the objects are needed
    from rnnlens.inspection.spec import ModelSpec, RecurrentLayerSpec

__all__ = ["explain_spec"]

_PATTERN_TEXT = {
    "many-to-one": "many-to-one: the whole input sequence is summarised into one prediction",
    "many-to-many": "many-to-many (aligned): one prediction per input timestep",
    "encoder-decoder": "encoder-decoder: an encoder reads the input, its state starts a decoder",
    "no-recurrence": "no recurrent layer: rnnlens can still describe the outputs, but there is no "
    "recurrent state to trace",
    "mixed": "several outputs with different patterns",
}


def _layer_line(spec: RecurrentLayerSpec) -> str:
    flags = [f"{spec.units} units"]
    if spec.return_sequences:
        flags.append("return_sequences")
    if spec.return_state:
        flags.append("return_state")
    if spec.go_backwards:
        flags.append("go_backwards")
    if spec.stateful:
        flags.append("stateful")
    if spec.masked:
        flags.append("masked input")
    if spec.bidirectional:
        flags.append(f"merge_mode={spec.merge_mode}")
    if spec.initial_state_from:
        flags.append("initial state from " + ", ".join(spec.initial_state_from))
    where = f" (inside {' / '.join(spec.path)})" if spec.path else ""
    return f"  - {spec.name}{where}: {spec.layer_class} [{spec.kind}], " + ", ".join(flags)


def explain_spec(spec: ModelSpec) -> str:
    """The plain-language account of a model's outputs."""
    lines = [f"Model {spec.name!r}: {_PATTERN_TEXT.get(spec.pattern, spec.pattern)}."]
    lines.append(f"Task: {TASK_TEXT.get(spec.task, spec.task)}.")
    lines.append("")
    lines.append("Inputs:")
    for inp in spec.inputs:
        what = (
            f"token ids (vocabulary {inp.vocab_size}"
            + (", id 0 is padding and is masked" if inp.mask_zero else "")
            + ")"
            if inp.tokens
            else "numeric features"
        )
        lines.append(f"  - {inp.name}: shape {_shape(inp.shape, inp.axes)}, {what}")
    lines.append("")
    if spec.recurrent_layers:
        lines.append("Recurrent layers (in graph order):")
        lines.extend(_layer_line(layer) for layer in spec.recurrent_layers)
    else:
        lines.append("This model has no recurrent layer (LSTM, GRU, SimpleRNN or RNN(cell)).")
    for out in spec.outputs:
        lines.append("")
        lines.append(f"Output {out.index} {out.name!r}:")
        lines.extend(f"  - {fact}" for fact in out.facts)
        lines.extend(f"  ! Warning: {warning}" for warning in out.warnings)
    extra = [w for w in spec.warnings if all(w not in o.warnings for o in spec.outputs)]
    if extra:
        lines.append("")
        lines.extend(f"! Warning: {warning}" for warning in extra)
    return "\n".join(lines)


def _shape(shape: tuple[int | None, ...], axes: tuple[str, ...]) -> str:
    return (
        "("
        + ", ".join(f"{a}={'?' if s is None else s}" for s, a in zip(shape, axes, strict=True))
        + ")"
    )
