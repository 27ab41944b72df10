"""Per-sample report parts from rnnlens results: state/gate heatmaps, attribution maps, alignments, forecasts.

Every function reads one row of a batched result and returns report data (:mod:`rnnlens.report.data`). They
read results by attribute (``values``, ``axes``, ``inputs``...) and import no analysis package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnnlens.report.data import Heatmap, Line, SeriesPlot, StateGroup, TokenScores

__all__ = [
    "QUANTITY_TITLES",
    "alignment_heatmap",
    "attribution_parts",
    "forecast_plot",
    "state_groups",
    "token_labels",
    "vocab_for",
]

QUANTITY_TITLES = {
    "hidden": "hidden state h",
    "cell_state": "cell state c",
    "input_gate": "input gate i",
    "forget_gate": "forget gate f",
    "candidate": "candidate",
    "output_gate": "output gate o",
    "update_gate": "update gate z",
    "reset_gate": "reset gate r",
    "pre_activation": "pre-activation",
}
_SIGMOID = ("sigmoid", "hard_sigmoid")


def _time_ticks(count: int, ticks: Sequence[str] | None) -> tuple[str, ...]:
    if ticks is not None and len(ticks) == count:
        return tuple(str(t) for t in ticks)
    return tuple(str(t) for t in range(count))


def vocab_for(vocab: Any, input_name: str) -> tuple[str, ...] | None:
    """The vocabulary of one token input: a shared vocabulary, or its entry in a per-input mapping."""
    if isinstance(vocab, Mapping):
        found = vocab.get(input_name)
        return None if found is None else tuple(found)
    return vocab  # type: ignore[no-any-return]


def _layer_ticks(
    count: int, ticks: Sequence[str] | None, choices: Sequence[Sequence[str]]
) -> tuple[str, ...]:
    """The time ticks of a layer with ``count`` steps: ``ticks`` if they fit, else the first fitting
    choice (a token input as long as the layer), else the step numbers."""
    if ticks is None or len(ticks) != count:
        ticks = next((choice for choice in choices if len(choice) == count), None)
    return _time_ticks(count, ticks)


def token_labels(ids: np.ndarray, vocab: Sequence[str] | None) -> tuple[str, ...]:
    """Token ids as text: ``vocab[id]`` where the vocabulary covers the id, else the id itself."""
    out = []
    for token in np.asarray(ids).reshape(-1):
        index = int(token)
        out.append(
            str(vocab[index]) if vocab is not None and 0 <= index < len(vocab) else str(index)
        )
    return tuple(out)


def state_groups(
    trace: Any,
    row: int,
    *,
    time_ticks: Sequence[str] | None = None,
    step_name: str = "time step",
    tick_choices: Sequence[Sequence[str]] = (),
) -> tuple[StateGroup, ...]:
    """The states and gates of every traced layer for one sample, as ``(unit, time)`` heatmaps.

    Args:
        trace: a :class:`rnnlens.tracing.Trace` (its layers hold ``values[quantity]`` of shape
            ``(batch, time, unit)``).
        row: the sample's row in the trace's batch.
        time_ticks: labels of the time axis (default ``0..time-1``).
        step_name: what one step is (``"cycle"``, ``"token"``): the time axis's title.
        tick_choices: other labels for the time axis, e.g. the tokens of each token input: a layer whose
            time axis ``time_ticks`` does not fit takes the first choice as long as its steps.

    Returns:
        One :class:`StateGroup` per traced cell; sigmoid gates are drawn on a fixed [0, 1] scale, the rest
        on a scale centred on zero. Masked steps are NaN in gates and appear as gaps.
    """
    groups = []
    for layer in trace.layers:
        heatmaps = []
        for name, values in layer.values.items():
            matrix = np.asarray(values[row], dtype=np.float32).T  # (unit, time)
            ticks = _layer_ticks(matrix.shape[1], time_ticks, tick_choices)
            gate = name in layer.gate_names and name != "candidate"
            fixed = gate and layer.recurrent_activation in _SIGMOID
            title = QUANTITY_TITLES.get(name, name.replace("_", " "))
            heatmaps.append(
                Heatmap(
                    title=title,
                    values=matrix,
                    x_label=step_name,
                    x_ticks=ticks,
                    y_label="unit",
                    y_ticks=tuple(str(u) for u in range(matrix.shape[0])),
                    value_label=title,
                    scale="sequential" if gate else "diverging",
                    zmin=0.0 if fixed else None,
                    zmax=1.0 if fixed else None,
                )
            )
        label = layer.key if not layer.bidirectional else f"{layer.key} ({layer.direction})"
        groups.append(StateGroup(layer=label, kind=layer.cell_type, heatmaps=tuple(heatmaps)))
    return tuple(groups)


def attribution_parts(
    result: Any,
    row: int,
    *,
    feature_names: Sequence[str] | None = None,
    vocab: Sequence[str] | None = None,
    time_ticks: Sequence[str] | None = None,
    output_ticks: Sequence[str] | None = None,
    value_label: str = "attribution",
    step_name: str = "time step",
) -> tuple[Heatmap | TokenScores, ...]:
    """Attribution maps of one sample.

    Args:
        result: an :class:`rnnlens.attribution.AttributionResult` with axes ``(sample, time, feature)``,
            ``(sample, token)``, or either with ``output_time`` after ``sample``.
        row: the sample's row in the result.
        feature_names: names of the feature axis (default ``feature 0..``).
        vocab: the vocabulary, to show token ids as text.
        time_ticks: labels of the input time axis.
        output_ticks: labels of the ``output_time`` axis (default: the explained output steps).
        value_label: what an attribution is measured in (colour bars and hover), e.g.
            ``"attribution (probability of 'positive')"``.
        step_name: what one input step is (the time axis's title).

    Returns:
        Features: a ``(feature, time)`` heatmap (of the last explained output step when every step was
        explained, preceded by an ``(output step, input step)`` heatmap summed over features).
        Tokens: coloured tokens, or an ``(output step, token)`` heatmap when every step was explained.
    """
    values = np.asarray(result.values[row], dtype=np.float32)
    axes = tuple(result.axes[1:])
    title = f"{_method_title(result.method)} · input {result.input_name}"
    per_step = "output_time" in axes
    steps = _output_ticks(result, values.shape[0] if per_step else 0, output_ticks)
    if result.tokens:
        tokens = token_labels(result.inputs[row], vocab)
        if per_step:
            return (
                Heatmap(
                    title=title,
                    values=values,
                    x_label="input token",
                    x_ticks=tokens,
                    y_label="output step",
                    y_ticks=steps,
                    value_label=value_label,
                ),
            )
        return (TokenScores(title=title, tokens=tokens, scores=values, value_label=value_label),)
    n_features = values.shape[-1]
    names = _feature_names(n_features, feature_names)
    parts: list[Heatmap | TokenScores] = []
    if per_step:
        parts.append(
            Heatmap(
                title=f"{title} (summed over features)",
                values=values.sum(axis=-1),
                x_label=f"input {step_name}",
                x_ticks=_time_ticks(values.shape[1], time_ticks),
                y_label="output step",
                y_ticks=steps,
                value_label=value_label,
            )
        )
        values, title = values[-1], f"{title}, output step {steps[-1]}"
    parts.append(
        Heatmap(
            title=title,
            values=values.T,
            x_label=step_name,
            x_ticks=_time_ticks(values.shape[0], time_ticks),
            y_label="feature",
            y_ticks=names,
            value_label=value_label,
        )
    )
    return tuple(parts)


def alignment_heatmap(
    result: Any,
    row: int,
    *,
    vocab: Sequence[str] | None = None,
    output_ticks: Sequence[str] | None = None,
    value_label: str = "attribution",
) -> Heatmap:
    """The encoder-decoder alignment of one sample: ``(decoder step, encoder token)``.

    Each row is the attribution of one decoder step's explained output to the encoder's tokens (summed over
    the embedding axis), so it shows which source tokens each generated token drew on.

    Args:
        result: an attribution result for the encoder input with axes ``(sample, output_time, token)``.
        row: the sample's row.
        vocab: the source vocabulary.
        output_ticks: labels of the decoder steps, e.g. the tokens generated there.
        value_label: what an attribution is measured in (the colour bar's title).
    """
    values = np.asarray(result.values[row], dtype=np.float32)
    if values.ndim != 2:
        from rnnlens.errors import ShapeError

        raise ShapeError(
            f"An alignment needs attributions with axes (sample, output_time, token); received axes "
            f"{tuple(result.axes)}. Explain every decoder step (target over all output steps)."
        )
    return Heatmap(
        title=f"Alignment · {_method_title(result.method)} · input {result.input_name}",
        values=values,
        x_label="encoder token",
        x_ticks=token_labels(result.inputs[row], vocab),
        y_label="decoder step",
        y_ticks=_output_ticks(result, values.shape[0], output_ticks),
        value_label=value_label,
    )


def forecast_plot(
    predictions: np.ndarray,
    *,
    title: str = "Prediction at every step",
    target_names: Sequence[str] | None = None,
    inputs: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    truth: np.ndarray | None = None,
    start: int = 0,
    target_offset: int = 0,
    y_label: str = "value",
    max_inputs: int = 3,
    step_name: str = "time step",
) -> SeriesPlot:
    """Predictions over time for one sample, with the ground truth and (few) input features beside them.

    Each prediction is drawn at the step it estimates: the output at step ``t`` at ``t + target_offset``
    (a next-step forecaster, ``target_offset=1``, draws its last output one step past the inputs), so a
    prediction and the reading it forecasts line up.

    Args:
        predictions: ``(time, targets)`` the model's output at every step.
        title: the heading.
        target_names: names of the targets.
        inputs: ``(time, features)`` the sample's inputs, drawn at their own steps; dashed, and only when
            there are at most ``max_inputs`` features and the input has as many steps as the output.
        feature_names: names of the input features.
        truth: ``(time, targets)`` ground truth of each output step (drawn where its prediction is).
        start: position of the first step in its source sequence (the x axis starts there).
        target_offset: steps between an output step and the step it estimates.
        y_label: the value axis title (the target's units when known).
        step_name: what a step is, the time axis title ("cycle", "hour").
    """
    values = np.asarray(predictions, dtype=np.float32)
    if values.ndim == 1:
        values = values[:, None]
    steps = values.shape[0]
    offset = int(target_offset)
    first = start + min(0, offset)
    x = np.arange(first, start + steps + max(0, offset), dtype=np.float32)

    def at(series: np.ndarray, shift: int) -> np.ndarray:
        """``series`` (one value per step) placed at ``start + step + shift`` on ``x``, NaN elsewhere."""
        placed = np.full(x.shape, np.nan, dtype=np.float32)
        begin = start + shift - first
        placed[begin : begin + steps] = series
        return placed

    names = _names(values.shape[1], target_names, "target")
    single = values.shape[1] == 1
    lines = [
        Line("prediction" if single else f"prediction: {name}", at(values[:, k], offset))
        for k, name in enumerate(names)
    ]
    if truth is not None:
        truth_values = np.asarray(truth, dtype=np.float32).reshape(steps, -1)
        lines += [
            Line(
                "truth" if single else f"truth: {name}", at(truth_values[:, k], offset), dashed=True
            )
            for k, name in enumerate(names)
        ]
    if inputs is not None:
        series = np.asarray(inputs, dtype=np.float32)
        if series.ndim == 2 and series.shape[0] == steps and series.shape[1] <= max_inputs:
            features = _feature_names(series.shape[1], feature_names)
            lines += [
                Line(f"input: {name}", at(series[:, k], 0), dashed=True)
                for k, name in enumerate(features)
            ]
    return SeriesPlot(title=title, x=x, lines=tuple(lines), x_label=step_name, y_label=y_label)


def _method_title(method: str) -> str:
    return str(method).replace("_", " ").capitalize()


def _output_ticks(result: Any, count: int, ticks: Sequence[str] | None) -> tuple[str, ...]:
    if ticks is not None and len(ticks) == count:
        return tuple(str(t) for t in ticks)
    times = getattr(result, "output_times", None)
    if times is not None and len(times) == count:
        return tuple(str(t) for t in times)
    return tuple(str(t) for t in range(count))


def _feature_names(count: int, names: Sequence[str] | None) -> tuple[str, ...]:
    return _names(count, names, "feature")


def _names(count: int, names: Sequence[str] | None, word: str) -> tuple[str, ...]:
    if names is not None and len(names) == count:
        return tuple(str(n) for n in names)
    return tuple(f"{word} {k}" for k in range(count))
