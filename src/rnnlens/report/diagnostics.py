"""How far to trust each attribution map: a result's diagnostics as report data.

:func:`diagnostics_panel` turns one sample's rows of :meth:`AttributionResult.diagnostics` into the panel
shown beside its map (method, baseline, F(x), F(baseline), completeness gap, standard errors, faithfulness,
integration steps, and the reasons a row is weak); :func:`report_alerts` gathers what the page says at the
top (which samples have weak explanations, and the results' warnings). Nothing is left out: a gap is shown
whatever its size, and a weak row always carries its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlens.report.data import DiagnosticsPanel, Table

__all__ = ["MAX_REASONS", "diagnostics_panel", "report_alerts"]

#: Weak rows listed by reason in a panel; the rest are counted (each is in the panel's per-step table).
MAX_REASONS = 5


def diagnostics_panel(
    result: Any,
    position: int,
    *,
    frame: Any = None,
    output_ticks: Sequence[str] | None = None,
) -> DiagnosticsPanel:
    """The checks of one sample's attribution map.

    Args:
        result: an ``AttributionResult``.
        position: the sample's row in ``result``.
        frame: ``result.diagnostics()``, if already computed (it is the same for every sample).
        output_ticks: labels of the output steps (e.g. ``"3: le"``), used when they match the rows.

    Returns:
        A :class:`~rnnlens.report.data.DiagnosticsPanel`: weak when any of the sample's rows is weak, with
        its reason; a per-step table when the map explains several output steps.

    Example:
        >>> panel = diagnostics_panel(result, 0)  # doctest: +SKIP
        >>> dict(panel.fields)["baseline"]  # doctest: +SKIP
        "the background's per-feature mean"
    """
    table = result.diagnostics() if frame is None else frame
    rows = table[table["sample"] == position]
    steps = _step_labels(rows, output_ticks)
    fields: list[tuple[str, str]] = [
        ("method", str(result.method)),
        ("baseline", str(result.options.get("baseline", "not recorded"))),
        ("F(x), the explained output", _span(rows["output"], steps)),
        ("F(baseline)", _span(rows["baseline_output"], steps)),
        ("completeness gap", _gap(rows, steps, result.method)),
    ]
    errors = rows["max_standard_error"].to_numpy(dtype=float)
    if np.any(np.isfinite(errors)):
        fields.append(("standard error", f"largest {np.nanmax(errors):.3g} (sampled estimate)"))
    fields.append(("faithfulness", _faithfulness(rows)))
    if "n_steps" in rows:
        fields.append(("integration steps", _steps_used(rows, result.options)))
    weak = rows[rows["weak"].to_numpy(dtype=bool)]
    reasons = [
        f"output step {steps[index]}: {reason}" if len(rows) > 1 else str(reason)
        for index, reason in zip(
            np.flatnonzero(rows["weak"].to_numpy(dtype=bool)), weak["reason"], strict=True
        )
    ]
    if len(reasons) > MAX_REASONS:
        more = len(reasons) - MAX_REASONS
        reasons = [
            *reasons[:MAX_REASONS],
            f"... and {more} more weak output step(s): see the table of checks per step.",
        ]
    return DiagnosticsPanel(
        title=f"Attribution of {result.input_name}",
        fields=tuple(fields),
        reasons=tuple(reasons),
        notes=tuple(result.warnings),
        rows=_per_step_table(rows, steps) if len(rows) > 1 else None,
    )


def report_alerts(results: Sequence[Any], samples: Sequence[int]) -> tuple[str, ...]:
    """What a report says at the top: the samples with weak explanations, then the results' warnings.

    Args:
        results: the ``AttributionResult`` objects of the report (one per attributed input).
        samples: the data index of each of their rows, in order.

    Returns:
        Sentences, each once (a warning shared by several inputs appears once).

    Example:
        >>> report_alerts([], [0, 1])
        ()
    """
    weak: list[int] = []
    warnings: list[str] = []
    for result in results:
        frame = result.diagnostics()
        for position in frame.loc[frame["weak"].to_numpy(dtype=bool), "sample"]:
            if 0 <= int(position) < len(samples) and samples[int(position)] not in weak:
                weak.append(samples[int(position)])
        warnings.extend(text for text in result.warnings if text not in warnings)
    alerts = []
    if weak:
        listed = ", ".join(str(index) for index in sorted(weak))
        alerts.append(
            f"Weak explanations: {len(weak)} of {len(samples)} sample(s) ({listed}) fail a check "
            "(see 'How far to trust' beside each map, with the reason) and their maps may mislead."
        )
    return (*alerts, *warnings)


def _step_labels(rows: Any, output_ticks: Sequence[str] | None) -> list[str]:
    """One label per row: its output step (or that step's tick), or ``""`` without output steps."""
    if "output_time" not in rows:
        return [""] * len(rows)
    if output_ticks is not None and len(output_ticks) == len(rows):
        return [str(tick) for tick in output_ticks]
    return [str(int(t)) for t in rows["output_time"]]


def _number(value: float) -> str:
    return f"{value:.4g}" if np.isfinite(value) else "n/a"


def _span(values: Any, steps: Sequence[str]) -> str:
    """One value, or the range over the rows and how many there are."""
    array = values.to_numpy(dtype=float)
    finite = array[np.isfinite(array)]
    if len(array) <= 1 or not finite.size:
        return _number(float(array[0])) if len(array) else "n/a"
    if finite.min() == finite.max() and finite.size == len(array):
        return f"{finite.min():.4g} at all {len(array)} output steps"
    return f"from {finite.min():.4g} to {finite.max():.4g} over {len(array)} output steps"


def _gap(rows: Any, steps: Sequence[str], method: str) -> str:
    """The largest relative completeness gap, where it is, and its absolute size."""
    from rnnlens.attribution.diagnostics import GAP_TOLERANCE

    relative = rows["relative_gap"].to_numpy(dtype=float)
    if not np.any(np.isfinite(relative)):
        return (
            f"not defined: {method} does not share out F(x) - F(baseline), so nothing checks that the "
            "map adds up"
        )
    worst = int(np.nanargmax(relative))
    absolute = float(rows["completeness_gap"].to_numpy(dtype=float)[worst])
    where = f", largest at output step {steps[worst]}" if len(rows) > 1 else ""
    return (
        f"{_percent(relative[worst])} of |F(x) - F(baseline)|{where} "
        f"(sum of attributions minus the change: {absolute:.3g}; weak above {GAP_TOLERANCE:.0%})"
    )


def _faithfulness(rows: Any) -> str:
    scores = rows["faithfulness"].to_numpy(dtype=float)
    meaning = "vs random deletion orders: > 0 better than random, <= 0 no better"
    if not np.any(np.isfinite(scores)):
        return "not scored" + (
            " (targets at every output step are not scored)" if "output_time" in rows else ""
        )
    if len(scores) == 1:
        return f"{scores[0]:.3g} ({meaning})"
    return f"from {np.nanmin(scores):.3g} to {np.nanmax(scores):.3g} ({meaning})"


def _steps_used(rows: Any, options: dict[str, Any]) -> str:
    used = rows["n_steps"].to_numpy()
    low, high = int(np.min(used)), int(np.max(used))
    text = str(low) if low == high else f"{low} to {high}"
    return text + (
        " (adaptive: chosen until the gap is under 1 %)" if options.get("n_steps") == "auto" else ""
    )


def _per_step_table(rows: Any, steps: Sequence[str]) -> Table:
    errors = "max_standard_error" in rows and np.any(
        np.isfinite(rows["max_standard_error"].to_numpy(dtype=float))
    )
    columns = ["output step", "F(x)", "F(baseline)", "relative gap", "faithfulness"]
    columns += (
        ["max standard error"] * bool(errors) + ["steps"] * ("n_steps" in rows) + ["weak because"]
    )
    table_rows = []
    for number, (_, row) in enumerate(rows.iterrows()):
        cells = [
            steps[number],
            _number(float(row["output"])),
            _number(float(row["baseline_output"])),
            _percent(float(row["relative_gap"])),
            _number(float(row["faithfulness"])),
        ]
        if errors:
            cells.append(_number(float(row["max_standard_error"])))
        if "n_steps" in rows:
            cells.append(str(int(row["n_steps"])))
        cells.append(str(row["reason"]) if row["weak"] else "")
        table_rows.append(tuple(cells))
    return Table(title="Checks per output step", columns=tuple(columns), rows=tuple(table_rows))


def _percent(value: float) -> str:
    """A share as a percentage with three significant digits, so a tiny gap never reads as zero."""
    return f"{100 * value:.3g} %" if np.isfinite(value) else "n/a"
