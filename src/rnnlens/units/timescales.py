"""Memory timescales: how many steps each unit's state survives, from its mean keep gate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnlens.errors import UnsupportedLayerError
from rnnlens.units._select import check_trace, layer_info, select_layers, valid_rows

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.tracing.result import Trace

__all__ = ["KEEP_GATES", "TIMESCALE_COLUMNS", "memory_timescales"]

KEEP_GATES = {"LSTM": "forget_gate", "GRU": "update_gate"}
"""The gate that multiplies the previous state. LSTM: c_t = f·c_{t-1} + i·g. Keras GRU
(``keras/src/layers/rnn/gru.py``): h_t = z·h_{t-1} + (1 - z)·h̃, so z, the update gate, keeps."""

TIMESCALE_COLUMNS = (
    "layer",
    "direction",
    "cell_type",
    "unit",
    "keep_gate",
    "mean_keep",
    "timescale",
    "half_life",
    "n_valid",
)


def memory_timescales(trace: Trace, *, layer: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Per unit, the mean keep gate k̄ and the memory timescale τ = -1 / ln(k̄), in steps.

    With a constant keep gate k the state decays as k^t = exp(-t / τ), so τ is the number of steps over
    which a stored value shrinks by a factor e (``half_life`` = τ·ln 2 steps to halve). The keep gate is
    the LSTM's forget gate and the Keras GRU's update gate z. τ is ``inf`` when k̄ is 1 (never forgets) and
    0 when k̄ is 0 (forgets at once). Masked steps are excluded.

    Args:
        trace: the result of :func:`rnnlens.trace`; gates are ``(batch, time, unit)``.
        layer: trace key(s) or layer name(s) (default: every LSTM and GRU trace).

    Returns:
        A DataFrame, one row per (layer, unit): ``layer, direction, cell_type, unit, keep_gate,
        mean_keep, timescale, half_life, n_valid``.

    Raises:
        OptionError: ``trace`` is not a Trace.
        TargetError: an unknown layer.
        UnsupportedLayerError: no chosen trace is an LSTM or GRU with its keep gate recorded.

    Example:
        >>> table = memory_timescales(rnnlens.trace(model, x)).nlargest(2, "timescale")
        >>> table[["layer", "unit", "keep_gate"]].shape
        (2, 3)
    """
    import pandas as pd

    check_trace(trace, "memory_timescales")
    chosen = select_layers(trace, layer)
    rows = []
    for part in chosen:
        gate = KEEP_GATES.get(part.cell_type)
        if gate is None or gate not in part.values:
            continue
        values = valid_rows(part, part.values[gate])
        n_valid = values.shape[0]
        mean = values.mean(axis=0) if n_valid else np.full(part.units, np.nan)
        timescale = timescale_from_keep(mean)
        rows.append(
            pd.DataFrame(
                {
                    **layer_info(part),
                    "unit": np.arange(part.units),
                    "keep_gate": gate,
                    "mean_keep": mean,
                    "timescale": timescale,
                    "half_life": timescale * np.log(2.0),
                    "n_valid": n_valid,
                }
            )
        )
    if not rows:
        raise UnsupportedLayerError(
            f"No memory timescale for traces {[t.key for t in chosen]} (cells "
            f"{[t.cell_type for t in chosen]}): it needs an LSTM forget gate or a GRU update gate. "
            "SimpleRNN and custom cells have no keep gate; trace with gates (do not drop them with "
            "`quantities=`)."
        )
    return pd.concat(rows, ignore_index=True)[list(TIMESCALE_COLUMNS)]


def timescale_from_keep(mean_keep: np.ndarray) -> np.ndarray:
    """τ = -1 / ln(k̄) elementwise: ``inf`` at k̄ = 1, 0 at k̄ = 0, NaN where k̄ is NaN."""
    keep = np.asarray(mean_keep, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: np.ndarray = -1.0 / np.log(keep)
    result[keep >= 1.0] = np.inf
    result[keep <= 0.0] = 0.0
    return result
