"""From attribution results to the views of one explained sample: the words for its units and steps, the
waterfall from F(baseline) to F(x), and its inputs beside their attributions.

These functions read results by attribute (``values``, ``axes``, ``inputs``, ``outputs``,
``baseline_outputs``, ``completeness_gap``, ``options``) and return :mod:`rnnlens.report.explained_views`
data. Where a result explains every output step, the last step is shown, as in the attribution map.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnnlens.report.explained_views import InputsPlot, Waterfall
from rnnlens.report.sections import token_labels

__all__ = [
    "MAX_BARS",
    "MAX_INPUT_ROWS",
    "attribution_units",
    "baseline_walk",
    "input_values",
    "inputs_beside_attributions",
]

#: Features (or tokens) drawn as bars of their own in the waterfall; the rest are one ``other`` bar.
MAX_BARS = 8
#: Features drawn in the inputs view (the most attributed first).
MAX_INPUT_ROWS = 6


def attribution_units(
    out: Any,
    result: Any,
    position: int,
    *,
    interpretation: Any = None,
    decode_options: Mapping[str, Any] | None = None,
    value_units: str | None = None,
) -> str:
    """What the explained output (and so every attribution) is measured in, in words.

    Args:
        out: the ``OutputSpec`` explained.
        result: the ``AttributionResult``; its ``target`` text names the explained unit.
        position: the sample's row (to read its predicted class when the target is ``"predicted"``).
        interpretation: the decoded predictions (class names, predicted labels), or None.
        decode_options: the report's decode options (``target_names``, ``scaler``).
        value_units: the unit of a regression output, e.g. ``"cycles"``.

    Returns:
        e.g. ``"probability of 'positive'"``, ``"logit of class 'cat'"``, ``"cycles of rul"``.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> out = NS(name="rul", size=1, head=NS(meaning="value"))
        >>> attribution_units(out, NS(target="output 'rul', unit 0"), 0, value_units="cycles")
        'cycles of rul'
    """
    from rnnlens.decoding.api import head_kind

    options = dict(decode_options or {})
    kind, transform = head_kind(out)
    unit = _unit_index(str(getattr(result, "target", "")))
    if kind == "regression" or kind == "raw":
        names = options.get("target_names")
        name = str(names[unit]) if names and unit is not None and unit < len(names) else out.name
        if value_units:
            return f"{value_units} of {name}"
        if options.get("scaler") is not None:
            return f"scaled units of {name}"
        return f"units of {name}"
    measure = {
        "none": "probability",
        "sigmoid": "logit",
        "softmax": "logit",
        "exp": "log-probability",
    }
    word = measure.get(transform, "output")
    classes = None
    if interpretation is not None:
        classes = interpretation.meta.get("class_names")
    if kind == "binary" and (unit in (None, 0)):
        positive = str(classes[-1]) if classes else "the positive class"
        return f"{word} of {_quoted(positive) if classes else positive}"
    if unit is not None:
        if classes and unit < len(classes):
            return f"{word} of class {_quoted(str(classes[unit]))}"
        return f"{word} of class {unit}"
    predicted = _predicted_label(interpretation, position)
    return f"{word} of the predicted class" + (f" {_quoted(predicted)}" if predicted else "")


def baseline_walk(
    results: Sequence[Any],
    row: int,
    *,
    units: str,
    vocab: Any = None,
    feature_names: Sequence[str] | None = None,
    output_tick: str | None = None,
    max_bars: int = MAX_BARS,
) -> Waterfall | None:
    """The waterfall of one sample: F(baseline), its top contributions, ``other``, the gap, F(x).

    Features are summed over time (one bar per feature); tokens are bars of their own (one per position).
    Every attributed input contributes (their names prefix the bars when there are several). The last bar
    before F(x) is the completeness gap, ``(F(x) - F(baseline)) - sum of all attributions``, so the bars
    add up to F(x) - F(baseline) exactly.

    Args:
        results: the sample's ``AttributionResult`` objects (one per attributed input), same target.
        row: the sample's row in each result.
        units: what the output is in (:func:`attribution_units`).
        vocab: the vocabulary (shared, or per input name) to show token ids as text.
        feature_names: names of the feature axis.
        output_tick: the label of the explained output step, when every step was explained.
        max_bars: bars of their own; the rest are summed into one ``other`` bar.

    Returns:
        A :class:`Waterfall`, or None when the method has no baseline (no F(baseline) to start from).
    """
    from rnnlens.report.sections import vocab_for

    if not results or any(r.baseline_outputs is None for r in results):
        return None
    first = results[0]
    start = _explained(first.baseline_outputs, row)
    end = _explained(first.outputs, row)
    many = len(results) > 1
    named: list[tuple[str, float]] = []
    for result in results:
        values = np.asarray(result.values[row], dtype=np.float64)
        if "output_time" in result.axes:
            values = values[-1]
        prefix = f"{result.input_name}: " if many else ""
        if result.tokens:
            tokens = token_labels(result.inputs[row], vocab_for(vocab, result.input_name))
            named += [
                (f"{prefix}{token} [{k}]", float(v))
                for k, (token, v) in enumerate(zip(tokens, values, strict=True))
                if np.isfinite(v)
            ]
        else:
            totals = np.nansum(values, axis=0)
            names = _names(len(totals), result.feature_names or feature_names)
            named += [(f"{prefix}{name}", float(v)) for name, v in zip(names, totals, strict=True)]
    order = sorted(range(len(named)), key=lambda k: -abs(named[k][1]))
    shown = [named[k] for k in order[:max_bars]]
    rest = [named[k][1] for k in order[max_bars:]]
    if rest:
        shown.append((f"other ({len(rest)})", float(sum(rest))))
    explained = sum(value for _, value in named)
    remainder = (end - start) - explained
    has_gap = first.completeness_gap is not None
    scale = max(abs(end - start), abs(explained), 1e-12)
    if abs(remainder) > 1e-7 * scale or has_gap:
        shown.append(("completeness gap" if has_gap else "not accounted for", remainder))
    baseline = str(first.options.get("baseline", "not recorded"))
    step = f", output step {output_tick}" if output_tick else ""
    relative = abs(remainder) / abs(end - start) if end != start else float("nan")
    share = f" ({100 * relative:.3g} % of the change)" if np.isfinite(relative) else ""
    caption = (
        f"Baseline: {baseline}. F(baseline) = {start:.4g} and F(x) = {end:.4g} ({units}); the bars add "
        f"up to F(x) - F(baseline) = {end - start:+.4g}, the last one being what the attributions "
        f"leave unexplained: {remainder:+.3g}{share}."
    )
    return Waterfall(
        title=f"From baseline to prediction · {_method_title(first.method)}{step}",
        start=start,
        end=end,
        contributions=tuple(shown),
        units=units,
        baseline=baseline,
        caption=caption,
    )


def input_values(values: np.ndarray, scaler: Any) -> tuple[np.ndarray, bool]:
    """A sample's ``(time, feature)`` inputs in original units when ``scaler`` covers every feature.

    Returns:
        The values, and whether they were put back in original units (a scaler fitted on another number
        of columns, e.g. the target only, leaves them as the model saw them).

    Example:
        >>> x = np.array([[0.0, 1.0]])
        >>> input_values(x, {"mean": [10.0, 20.0], "std": [2.0, 4.0]})[0].tolist()
        [[10.0, 24.0]]
        >>> input_values(x, (5.0, 1.0))[1]  # one (mean, std) pair: the target's scaler
        False
    """
    from rnnlens.decoding.scaling import inverse_scale

    array = np.asarray(values, dtype=np.float64)
    if scaler is None or _scaler_width(scaler) != array.shape[1]:
        return array, False
    return inverse_scale(array, scaler), True


def inputs_beside_attributions(
    result: Any,
    row: int,
    *,
    units: str,
    feature_names: Sequence[str] | None = None,
    time_ticks: Sequence[str] | None = None,
    step_name: str = "time step",
    scaler: Any = None,
    max_rows: int = MAX_INPUT_ROWS,
) -> InputsPlot | None:
    """A feature input of one sample over time, its most attributed features first, each step with its
    attribution.

    Args:
        result: an ``AttributionResult`` of a feature input (``(sample, [output_time,] time, feature)``).
        row: the sample's row.
        units: what the attributions are in (:func:`attribution_units`).
        feature_names: names of the feature axis (default the result's).
        time_ticks: labels of the steps (timestamps); default the step numbers.
        step_name: what a step is.
        scaler: the inputs' scaler (:func:`input_values`): inputs are shown in original units with it.
        max_rows: features drawn.

    Returns:
        An :class:`InputsPlot`, or None for token inputs (their tokens are the attribution map itself).
    """
    if result.tokens:
        return None
    attributions = np.asarray(result.values[row], dtype=np.float64)
    if "output_time" in result.axes:
        attributions = attributions[-1]
    values, original = input_values(np.asarray(result.inputs[row]), scaler)
    names = _names(values.shape[1], result.feature_names or feature_names)
    order = np.argsort(-np.nansum(np.abs(attributions), axis=0), kind="stable")[:max_rows]
    ticks = (
        tuple(str(t) for t in time_ticks)
        if time_ticks is not None and len(time_ticks) == values.shape[0]
        else tuple(str(t) for t in range(values.shape[0]))
    )
    left = values.shape[1] - len(order)
    note = (
        f"The {len(order)} most attributed of {values.shape[1]} features; the map below shows all."
        if left
        else ""
    )
    return InputsPlot(
        title=f"Inputs of {result.input_name}, most attributed first",
        features=tuple(names[k] for k in order),
        values=values[:, order].T,
        attributions=attributions[:, order].T,
        x_ticks=ticks,
        step_name=step_name,
        value_label="original units" if original else "as fed to the model",
        attribution_label=f"attribution ({units})",
        note=note,
    )


def _explained(values: Any, row: int) -> float:
    """The explained value of a row: the last explained output step when there are several."""
    array = np.asarray(values[row], dtype=np.float64).reshape(-1)
    return float(array[-1])


def _scaler_width(scaler: Any) -> int | None:
    width = getattr(scaler, "n_features_in_", None)
    if width is not None:
        return int(width)
    if isinstance(scaler, Mapping):
        mean: Any = scaler.get("mean")
    elif isinstance(scaler, Sequence) and not isinstance(scaler, str) and len(scaler) == 2:
        mean = scaler[0]
    else:
        return None
    try:
        array = np.asarray(mean, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    # One (mean, std) pair is the target's scaler; only per-feature arrays say they cover the inputs.
    return int(array.size) if array.ndim >= 1 else None


def _unit_index(target: str) -> int | None:
    found = re.search(r"unit (\d+)", target)
    return int(found.group(1)) if found else None


def _predicted_label(interpretation: Any, position: int) -> str | None:
    if interpretation is None:
        return None
    table = interpretation.table
    column = next((c for c in ("label", "top1_label") if c in table.columns), None)
    if column is None or "sample" not in table.columns:
        return None
    rows = table[table["sample"] == position]
    return None if rows.empty else str(rows[column].iloc[-1])


def _quoted(text: str) -> str:
    return f"'{text}'"


def _method_title(method: str) -> str:
    return str(method).replace("_", " ").capitalize()


def _names(count: int, names: Sequence[str] | None) -> tuple[str, ...]:
    if names is not None and len(names) == count:
        return tuple(str(n) for n in names)
    return tuple(f"feature {k}" for k in range(count))
