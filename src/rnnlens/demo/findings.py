"""Short, checkable sentences about what each stage of a demo found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["attribution_finding", "memory_finding", "output_finding", "trace_findings"]


def output_finding(label: str, spec: Any) -> str:
    """One line per model: the pattern, what output 0 is, and how to read its values."""
    out = spec.outputs[0]
    axes = " x ".join(f"{axis}" for axis in out.axes)
    values = next(fact for fact in out.facts if fact.startswith("Values:"))
    return f"{label}: {spec.pattern}; output {out.name!r} is ({axes}). {values}"


def trace_findings(label: str, trace: Any) -> list[str]:
    """Gate behaviour per traced layer: mean forget gate and how often gates saturate."""
    lines = []
    for layer in trace.layers:
        gates = layer.gates
        if not gates:
            lines.append(f"{label}: {layer.layer} traced (states only: {layer.gates_unavailable}).")
            continue
        parts = []
        for name, values in gates.items():
            if name in ("candidate", "pre_activation"):
                continue
            saturated = float(np.mean((values < 0.05) | (values > 0.95)))
            parts.append(f"{name} mean {float(values.mean()):.2f} ({saturated:.0%} saturated)")
        lines.append(f"{label}: {layer.cell_type} '{layer.layer}' — " + ", ".join(parts) + ".")
    return lines


def attribution_finding(
    label: str, result: Any, feature_names: Sequence[str], sample_names: Sequence[str], top: int = 3
) -> list[str]:
    """The features that drove each explained sample, and the completeness gap of the explanation."""
    by_feature = np.asarray(result.by_feature())
    lines = []
    for row, name in enumerate(sample_names):
        order = np.argsort(-np.abs(by_feature[row]))[:top]
        drivers = ", ".join(f"{feature_names[i]} ({by_feature[row, i]:+.1f})" for i in order)
        lines.append(f"{label}: {name} — strongest inputs {drivers}.")
    gap = result.relative_gap
    if gap is not None:
        lines.append(
            f"{label}: {result.method.replace('_', ' ')} completeness gap at most "
            f"{float(np.max(gap)):.2%} of |F(x) - F(baseline)|."
        )
    return lines


def memory_finding(label: str, timescales: Any, unit_name: str = "steps") -> str:
    """The unit that remembers longest: its mean keep (forget / update) gate and the implied timescale."""
    longest = timescales.nlargest(1, "timescale").iloc[0]
    return (
        f"{label}: unit {int(longest['unit'])} of '{longest['layer']}' remembers longest: mean "
        f"{longest['keep_gate']} {float(longest['mean_keep']):.2f}, so a stored value fades by 1/e in "
        f"about {float(longest['timescale']):.0f} {unit_name}."
    )
