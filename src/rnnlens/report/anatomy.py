"""ModelSpec -> anatomy cards: one for the whole model, one per output."""

from __future__ import annotations

from typing import Any

from rnnlens.report.data import Card

__all__ = ["anatomy_cards", "format_shape"]


def format_shape(shape: tuple[int | None, ...], axes: tuple[str, ...]) -> str:
    """``(batch=?, time=10, features=3)``: each axis with its name; ``?`` for a free size."""
    if len(axes) != len(shape):
        return "(" + ", ".join("?" if n is None else str(n) for n in shape) + ")"
    parts = [f"{axis}={'?' if n is None else n}" for axis, n in zip(axes, shape, strict=True)]
    return "(" + ", ".join(parts) + ")"


def anatomy_cards(spec: Any) -> tuple[Card, ...]:
    """Readable cards for an inspected model.

    Args:
        spec: a :class:`rnnlens.inspection.ModelSpec`.

    Returns:
        The model card (pattern, task, inputs, recurrent layers, loss, warnings) followed by one card per
        output (named axes, source layer, head, value meaning, the plain-language facts and warnings).

    Example:
        >>> cards = anatomy_cards(rnnlens.inspect_model(model))  # doctest: +SKIP
        >>> [card.title for card in cards]  # doctest: +SKIP
        ['lstm_forecaster', 'Output 0: forecast']
    """
    fields: list[tuple[str, str]] = [("pattern", spec.pattern), ("task", _words(spec.task))]
    for item in spec.inputs:
        kind = f"token ids, vocabulary {item.vocab_size}" if item.tokens else f"{item.dtype} values"
        fields.append((f"input {item.name}", f"{format_shape(item.shape, item.axes)}, {kind}"))
    for layer in spec.recurrent_layers:
        fields.append((f"layer {layer.name}", _layer_summary(layer)))
    if spec.loss is not None:
        fields.append(("loss", str(spec.loss)))
    model_card = Card(
        title=spec.name,
        subtitle=f"{spec.pattern} · {_words(spec.task)}",
        fields=tuple(fields),
        warnings=tuple(spec.warnings),
        facts=() if spec.has_recurrent_layers else ("The model has no recurrent layer.",),
    )
    return (model_card, *(_output_card(output) for output in spec.outputs))


def _output_card(output: Any) -> Card:
    head = output.head
    low, high = head.range
    value_range = (
        f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
    )
    fields = [
        ("shape", format_shape(output.shape, output.axes)),
        ("kind", output.kind),
        ("from", output.source_layer or "no recurrent layer"),
        ("head", f"{' → '.join(head.layers) or 'none'} ({head.activation or 'no activation'})"),
        ("values", f"{_words(head.meaning)} in {value_range}"),
        ("task", _words(output.task)),
    ]
    if output.loss:
        fields.append(("loss", output.loss + (" (from logits)" if output.from_logits else "")))
    return Card(
        title=f"Output {output.index}: {output.name}",
        subtitle=f"{output.pattern} · {_words(output.task)}",
        fields=tuple(fields),
        facts=tuple(output.facts),
        warnings=tuple(output.warnings),
    )


def _layer_summary(layer: Any) -> str:
    flags = [
        flag
        for flag, on in (
            ("return_sequences", layer.return_sequences),
            ("return_state", layer.return_state),
            ("go_backwards", layer.go_backwards),
            ("stateful", layer.stateful),
            ("masked", layer.masked),
            (f"bidirectional ({layer.merge_mode})", layer.bidirectional),
        )
        if on
    ]
    text = f"{layer.kind}, {layer.units} units"
    if flags:
        text += ", " + ", ".join(flags)
    if layer.initial_state_from:
        text += ", initial state from " + ", ".join(layer.initial_state_from)
    return text


def _words(name: str) -> str:
    return str(name).replace("_", " ")
