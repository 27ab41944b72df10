"""Two views of one explained sample, as pure data: its inputs beside their attributions, and the walk from
F(baseline) to F(x).

:class:`InputsPlot` holds the sample's input features over time (top features by attribution first) with
the attribution of every cell on the same time axis; :class:`Waterfall` holds the contributions that take
the model from its output on the baseline to its output on the sample, ending exactly at F(x) (the
completeness gap is a bar of its own). :mod:`rnnlens.report.explained_figures` draws them; the page embeds
the figure through :meth:`InputsPlot.figure_json` / :meth:`Waterfall.figure_json`.

Example:
    >>> walk = Waterfall(
    ...     title="engine 34", start=106.0, end=4.6, units="cycles of RUL",
    ...     contributions=(("s11", -80.0), ("s4", -20.0), ("other", -1.4)),
    ... )
    >>> str(walk)
    'engine 34: F(baseline) 106 -> s11 -80 -> s4 -20 -> other -1.4 -> F(x) 4.6 (cycles of RUL)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import ShapeError

__all__ = ["InputsPlot", "Waterfall"]


def _matrix(value: Any, what: str) -> np.ndarray:
    array = np.array(value, dtype=np.float32)
    if array.ndim != 2:
        raise ShapeError(f"{what} must be (feature, time), received shape {array.shape}.")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class InputsPlot:
    """A sample's input features over time, each with the attribution of every step.

    Args:
        title: the heading.
        features: the features shown, in display order (the most attributed first).
        values: ``(feature, time)`` the inputs, in ``value_label``'s units.
        attributions: ``(feature, time)`` the attribution of each cell, in ``attribution_label``'s units.
        x_ticks: one label per step (timestamps, or the step numbers).
        step_name: what a step is (``"cycle"``, ``"sample"``, ``"time step"``).
        value_label: what the inputs are in, e.g. ``"input (original units)"``.
        attribution_label: what an attribution is in, e.g. ``"attribution (cycles of RUL)"``.
        note: a sentence under the figure (e.g. how many features are left out).

    Raises:
        ShapeError: the arrays differ in shape or do not match the labels.
    """

    title: str
    features: tuple[str, ...]
    values: np.ndarray
    attributions: np.ndarray
    x_ticks: tuple[str, ...]
    step_name: str = "time step"
    value_label: str = "input"
    attribution_label: str = "attribution"
    note: str = ""

    def __post_init__(self) -> None:
        values = _matrix(self.values, f"InputsPlot {self.title!r} values")
        scores = _matrix(self.attributions, f"InputsPlot {self.title!r} attributions")
        features = tuple(str(f) for f in self.features)
        ticks = tuple(str(t) for t in self.x_ticks)
        if values.shape != scores.shape or values.shape != (len(features), len(ticks)):
            raise ShapeError(
                f"InputsPlot {self.title!r}: values {values.shape} and attributions {scores.shape} "
                f"must both be ({len(features)} features, {len(ticks)} steps)."
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "attributions", scores)
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "x_ticks", ticks)

    def figure_json(self) -> Any:
        """The plotly spec as page-safe JSON (markup-safe, for the report template)."""
        from rnnlens.report.explained_figures import inputs_figure

        return _safe_json(inputs_figure(self))

    def __str__(self) -> str:
        return (
            f"{self.title}: {', '.join(self.features)} over {len(self.x_ticks)} {self.step_name}s"
        )


@dataclass(frozen=True)
class Waterfall:
    """The walk from F(baseline) to F(x): one bar per top feature (or event), the rest, and the gap.

    Args:
        title: the heading.
        start: F(baseline), the model's output on the baseline.
        end: F(x), the model's output on the sample.
        contributions: ``(name, value)`` in display order; they must add up to ``end - start`` (give the
            completeness gap its own entry so the walk ends exactly at F(x)).
        units: what the output is in, e.g. ``"probability of 'fails'"``.
        baseline: what the baseline is, in words.
        caption: a sentence under the figure.

    Raises:
        ShapeError: the contributions do not add up to ``end - start``.
    """

    title: str
    start: float
    end: float
    contributions: tuple[tuple[str, float], ...]
    units: str = "output units"
    baseline: str = ""
    caption: str = ""

    def __post_init__(self) -> None:
        pairs = tuple((str(name), float(value)) for name, value in self.contributions)
        object.__setattr__(self, "contributions", pairs)
        object.__setattr__(self, "start", float(self.start))
        object.__setattr__(self, "end", float(self.end))
        total = sum(value for _, value in pairs)
        scale = max(abs(self.start), abs(self.end), abs(total), 1e-12)
        if abs(self.start + total - self.end) > 1e-5 * scale:
            raise ShapeError(
                f"Waterfall {self.title!r}: the contributions add up to {total:.6g} but F(x) - "
                f"F(baseline) is {self.end - self.start:.6g}; add the remainder (the completeness "
                "gap) as a contribution of its own."
            )

    def figure_json(self) -> Any:
        """The plotly spec as page-safe JSON (markup-safe, for the report template)."""
        from rnnlens.report.explained_figures import waterfall_figure

        return _safe_json(waterfall_figure(self))

    def __str__(self) -> str:
        steps = " -> ".join(f"{name} {value:+.3g}" for name, value in self.contributions)
        return (
            f"{self.title}: F(baseline) {self.start:.4g} -> {steps} -> F(x) {self.end:.4g} "
            f"({self.units})"
        )


def _safe_json(figure: dict[str, Any]) -> Any:
    from markupsafe import Markup

    from rnnlens.report.figures import spec_json

    # spec_json escapes <, > and & so the text cannot leave its <script type="application/json">.
    return Markup(spec_json(figure))
