"""Gate saturation (Karpathy, Johnson & Fei-Fei 2015): how often each gate is pinned near 0 or 1."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import OptionError, TargetError, UnsupportedLayerError
from rnnlens.units._select import check_trace, layer_info, select_layers, valid_rows

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.tracing.result import Trace

__all__ = ["GATING_GATES", "SATURATION_COLUMNS", "gate_saturation"]

GATING_GATES = ("input_gate", "forget_gate", "output_gate", "update_gate", "reset_gate")
"""The gates squashed into (0, 1) by the recurrent activation; ``candidate`` is tanh-valued."""

SATURATION_COLUMNS = (
    "layer",
    "direction",
    "cell_type",
    "gate",
    "unit",
    "left_saturated",
    "right_saturated",
    "mean",
    "n_valid",
)


def gate_saturation(
    trace: Trace,
    low: float = 0.05,
    high: float = 0.95,
    *,
    layer: str | Sequence[str] | None = None,
    gates: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Share of processed (sample, step) cells at which each gate of each unit is saturated.

    Following Karpathy et al. (2015), a gate value is *left-saturated* below ``low`` and *right-saturated*
    above ``high``. A forget gate that is right-saturated almost always keeps its cell state (a long-memory
    unit); one that is left-saturated almost always clears it. Masked steps are excluded.

    Args:
        trace: the result of :func:`rnnlens.trace`; gates are ``(batch, time, unit)``.
        low: left-saturation threshold.
        high: right-saturation threshold, greater than ``low``.
        layer: trace key(s) or layer name(s) (default: every trace with gates).
        gates: gate names (default: the sigmoid gates present; ``"candidate"`` can be asked for).

    Returns:
        A DataFrame, one row per (layer, gate, unit): ``layer, direction, cell_type, gate, unit,
        left_saturated, right_saturated, mean, n_valid`` (shares in [0, 1]; ``NaN`` when no step was
        processed).

    Raises:
        OptionError: ``low`` / ``high`` not finite numbers with ``low < high``; ``trace`` not a Trace.
        TargetError: an unknown layer, or a gate a chosen layer did not record.
        UnsupportedLayerError: no chosen layer has gates (SimpleRNN and custom cells have none).

    Example:
        >>> table = gate_saturation(rnnlens.trace(model, x))  # an LSTM(3) named "lstm"
        >>> forget = table.query("gate == 'forget_gate'").sort_values("right_saturated")
        >>> forget[["layer", "unit", "left_saturated", "right_saturated"]].shape
        (3, 4)
    """
    import pandas as pd

    check_trace(trace, "gate_saturation")
    _check_thresholds(low, high)
    chosen = select_layers(trace, layer)
    wanted = None if gates is None else _check_gates(gates, chosen)
    rows: list[pd.DataFrame] = []
    for part in chosen:
        recorded = part.gates
        if wanted is None:
            names = [name for name in GATING_GATES if name in recorded]
        else:
            missing = [name for name in wanted if name not in recorded]
            if missing and layer is not None:
                raise TargetError(
                    f"Argument `gates` names {missing}, which trace {part.key!r} did not record; it has "
                    f"{list(recorded)}."
                )
            names = [name for name in wanted if name in recorded]
        for name in names:
            values = valid_rows(part, recorded[name])
            n_valid = values.shape[0]
            with np.errstate(invalid="ignore", divide="ignore"):
                left = (
                    (values < low).sum(axis=0) / n_valid if n_valid else np.full(part.units, np.nan)
                )
                right = (
                    (values > high).sum(axis=0) / n_valid
                    if n_valid
                    else np.full(part.units, np.nan)
                )
                mean = values.mean(axis=0) if n_valid else np.full(part.units, np.nan)
            rows.append(
                pd.DataFrame(
                    {
                        **layer_info(part),
                        "gate": name,
                        "unit": np.arange(part.units),
                        "left_saturated": left,
                        "right_saturated": right,
                        "mean": mean,
                        "n_valid": n_valid,
                    }
                )
            )
    if not rows:
        raise UnsupportedLayerError(
            f"No gates to measure: the chosen traces {[t.key for t in select_layers(trace, layer)]} "
            f"record none of {wanted or list(GATING_GATES)}. Gate saturation needs LSTM or GRU layers "
            "traced with their gates (do not drop them with `quantities=`)."
        )
    return pd.concat(rows, ignore_index=True)[list(SATURATION_COLUMNS)]


def _check_gates(gates: Any, chosen: list[Any]) -> list[str]:
    """The gate names asked for; a name no chosen trace recorded is a typo, not a layer without gates."""
    # Imported here: the tracing package imports Keras, and the units module imports no framework.
    from rnnlens.tracing.names import as_names

    recorded = sorted({name for part in chosen for name in part.gates})
    names = as_names(gates, "gates", recorded)
    unknown = [name for name in names if name not in recorded]
    if unknown and recorded:
        raise TargetError(
            f"Argument `gates` names {unknown}, which the chosen traces did not record. Expected names "
            f"among {recorded}."
        )
    return names


def _check_thresholds(low: float, high: float) -> None:
    ok = all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))
        for v in (low, high)
    )
    if not ok or not low < high:
        raise OptionError(
            f"Arguments `low` and `high` must be finite numbers with low < high, received low={low!r}, "
            f"high={high!r}. For sigmoid gates use e.g. low=0.05, high=0.95 (Karpathy et al. used 0.1 "
            "and 0.9)."
        )
