"""How far to trust an attribution: the rules behind every result's diagnostics, in one place.

A row (one sample, or one sample and output step) is **weak** when any of these holds:

- *uninformative baseline*: ``|F(x) - F(b)| < UNINFORMATIVE_TOLERANCE * max(1, |F(x)|)``. Attributions of
  a completeness method share out ``F(x) - F(b)``; when the baseline already gives the output there is
  nothing to share, and the map is noise.
- *completeness gap*: ``|sum of attributions - (F(x) - F(b))| > GAP_TOLERANCE * |F(x) - F(b)|`` (1 %):
  the map does not add up to the change it claims to explain (integration error, saturation).
- *large standard errors* (sampled estimators): the row's largest standard error exceeds
  ``SE_TOLERANCE`` (10 %) of its largest ``|attribution|``: the ranking of its cells is not settled.
- *no better than random*: its faithfulness score (see :mod:`rnnlens.attribution.faithfulness`) is
  ``<= 0``: deleting cells in the attribution's order moves the output no faster than random orders.

The same tolerance decides when adaptive integration has converged (:func:`converged`): the gap is
measured against ``|F(x) - F(b)|`` but never against less than the uninformative floor, so rows with
nothing to explain converge by an absolute tolerance instead of chasing a ratio of two tiny numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.attribution.result import AttributionResult

__all__ = [
    "DIAGNOSTIC_COLUMNS",
    "GAP_TOLERANCE",
    "RECOMMENDED_METHOD",
    "RECOMMENDED_OPTIONS",
    "SE_TOLERANCE",
    "UNINFORMATIVE_TOLERANCE",
    "ZERO_BASELINE_WARNING",
    "RnnlensWarning",
    "converged",
    "diagnostics_frame",
    "informative_floor",
    "uninformative",
]

# Relative completeness / efficiency gap above which a row is weak, and the target of adaptive steps.
GAP_TOLERANCE = 0.01
# |F(x) - F(b)| below this share of max(1, |F(x)|): the baseline already gives the output.
UNINFORMATIVE_TOLERANCE = 1e-3
# Largest standard error above this share of the largest |attribution|: the ranking is not settled.
SE_TOLERANCE = 0.1

# What `rnnlens.attribute(..., background=REF)` computes when no method is given, chosen on
# bench/faithfulness.py (README, "Which explanation"): integrated gradients with adaptive steps from the
# opposite-class reference of the background for classifier outputs; expected gradients over the background
# for other outputs, which have no opposite class.
RECOMMENDED_METHOD = "integrated_gradients"
RECOMMENDED_FALLBACK = "expected_gradients"
RECOMMENDED_OPTIONS: dict[str, Any] = {}

ZERO_BASELINE_WARNING = (
    "No `background` given, so the baseline is all zeros: on recurrent models a zero sequence is rarely "
    "'no signal' (it is an input the model never saw), and attributions against it pile up on the last "
    "steps. Pass background=x_train (samples from the training data; CLI: --background FILE) to "
    "explain against the data."
)

DIAGNOSTIC_COLUMNS = (
    "sample",
    "output",
    "baseline_output",
    "output_change",
    "completeness_gap",
    "relative_gap",
    "max_standard_error",
    "faithfulness",
    "weak",
    "reason",
)


class RnnlensWarning(UserWarning):
    """An explanation that may mislead: a zero baseline, an unconverged integral, a weak row."""


def informative_floor(outputs: np.ndarray) -> np.ndarray:
    """The smallest ``|F(x) - F(b)|`` worth explaining: ``UNINFORMATIVE_TOLERANCE * max(1, |F(x)|)``.

    Example:
        >>> informative_floor(np.array([0.5, -20.0]))
        array([0.001, 0.02 ])
    """
    return UNINFORMATIVE_TOLERANCE * np.maximum(1.0, np.abs(np.asarray(outputs, np.float64)))


def uninformative(outputs: np.ndarray, baseline_outputs: np.ndarray) -> np.ndarray:
    """Rows whose baseline already gives (almost) the output: nothing to explain.

    Example:
        >>> uninformative(np.array([1.0, 1.0]), np.array([1.0001, 0.5]))
        array([ True, False])
    """
    change = np.abs(np.asarray(outputs, np.float64) - np.asarray(baseline_outputs, np.float64))
    return np.asarray(change < informative_floor(outputs))


def converged(gap: np.ndarray, outputs: np.ndarray, baseline_outputs: np.ndarray) -> np.ndarray:
    """Rows whose completeness gap is within ``GAP_TOLERANCE`` of ``max(|F(x) - F(b)|, floor)``.

    Example:
        >>> converged(np.array([0.005, 0.05, 1e-6]), np.ones(3), np.array([0.0, 0.0, 1.0]))
        array([ True, False,  True])
    """
    change = np.abs(np.asarray(outputs, np.float64) - np.asarray(baseline_outputs, np.float64))
    scale = np.maximum(change, informative_floor(outputs))
    return np.asarray(np.abs(np.asarray(gap, np.float64)) <= GAP_TOLERANCE * scale)


def diagnostics_frame(result: AttributionResult) -> pd.DataFrame:
    """One row per explained row of ``result`` (see :meth:`AttributionResult.diagnostics`)."""
    import pandas as pd

    outputs = np.asarray(result.outputs, np.float64)
    shape = outputs.shape
    n_rows = outputs.size
    nan = np.full(shape, np.nan)
    columns: dict[str, Any] = {"sample": np.indices(shape)[0].ravel()}
    if result.sample_ids is not None:
        columns["sample_id"] = np.asarray(result.sample_ids)[columns["sample"]]
    if "output_time" in result.axes and result.output_times is not None:
        columns["output_time"] = np.asarray(result.output_times)[np.indices(shape)[1].ravel()]
    baseline = (
        np.asarray(result.baseline_outputs, np.float64)
        if result.baseline_outputs is not None
        else nan
    )
    gap = (
        np.asarray(result.completeness_gap, np.float64)
        if result.completeness_gap is not None
        else nan
    )
    relative = result.relative_gap if result.relative_gap is not None else nan
    values = np.abs(np.asarray(result.values, np.float64)).reshape(*shape, -1)
    if result.standard_errors is not None:
        errors = np.asarray(result.standard_errors, np.float64).reshape(*shape, -1)
        max_error = errors.max(axis=-1) if errors.shape[-1] else np.zeros(shape)
    else:
        max_error = nan
    faithfulness = (
        np.asarray(result.faithfulness, np.float64) if result.faithfulness is not None else nan
    )
    columns.update(
        output=outputs.ravel(),
        baseline_output=baseline.ravel(),
        output_change=(outputs - baseline).ravel(),
        completeness_gap=gap.ravel(),
        relative_gap=np.asarray(relative, np.float64).ravel(),
        max_standard_error=np.asarray(max_error, np.float64).ravel(),
        faithfulness=faithfulness.ravel(),
    )
    largest = values.max(axis=-1) if values.shape[-1] else np.zeros(shape)
    reasons = _reasons(
        outputs.ravel(),
        baseline.ravel(),
        columns["relative_gap"],
        columns["max_standard_error"],
        largest.reshape(n_rows),
        columns["faithfulness"],
    )
    columns["weak"] = np.array([bool(reason) for reason in reasons], bool)
    columns["reason"] = reasons
    used = result.options.get("n_steps_used")
    if used is not None and np.size(used) == n_rows:
        columns["n_steps"] = np.asarray(used).ravel()
    return pd.DataFrame(columns)


def _reasons(
    outputs: np.ndarray,
    baseline: np.ndarray,
    relative: np.ndarray,
    max_error: np.ndarray,
    largest: np.ndarray,
    faithfulness: np.ndarray,
) -> list[str]:
    with np.errstate(invalid="ignore"):
        flat = np.where(np.isnan(baseline), False, uninformative(outputs, np.nan_to_num(baseline)))
    reasons = []
    for row in range(len(outputs)):
        found = []
        if flat[row]:
            change = abs(outputs[row] - baseline[row])
            found.append(
                f"uninformative baseline: |F(x) - F(b)| = {change:.2g} < "
                f"{UNINFORMATIVE_TOLERANCE:g} * max(1, |F(x)|), nothing to explain"
            )
        elif relative[row] > GAP_TOLERANCE:
            found.append(
                f"completeness gap {relative[row]:.1%} of |F(x) - F(b)| > {GAP_TOLERANCE:.0%}"
            )
        if max_error[row] > SE_TOLERANCE * largest[row]:
            found.append(
                f"standard errors up to {max_error[row]:.2g}, over {SE_TOLERANCE:.0%} of the largest "
                f"|attribution| {largest[row]:.2g}"
            )
        if faithfulness[row] <= 0:
            found.append(
                f"deleting cells in attribution order is no better than random orders "
                f"(faithfulness {faithfulness[row]:.2g})"
            )
        reasons.append("; ".join(found))
    return reasons
