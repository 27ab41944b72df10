"""Linear / bounded heads: values back in the target's units, each tied to the step (and time) it is for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rnnlens.decoding._rows import RowContext, keep_rows, sample_frame, step_frame
from rnnlens.decoding.options import check_names, check_target_offset
from rnnlens.decoding.scaling import inverse_scale
from rnnlens.errors import ShapeError, TargetError

__all__ = ["decode_regression", "times_at"]


def decode_regression(
    values: np.ndarray,
    *,
    scaler: Any = None,
    target_index: int | Sequence[int] | None = None,
    target_names: Sequence[str] | None = None,
    target_offset: int = 0,
    horizon: bool = False,
    context: RowContext | None = None,
) -> pd.DataFrame:
    """Put regression outputs back in original units and say which step / time each value is for.

    * ``(batch, time, targets)`` (many-to-many): one row per sample and ``step``; ``target_step`` =
      ``step + target_offset`` is the input step the value estimates (0: the target at the same step as
      the input, as in ``y[t]`` paired with ``x[t]``; 1: next-step forecasts). With timestamps,
      ``time`` is the input step's time and ``target_time`` the estimated step's time (extrapolated at
      the window's regular spacing past its end); with windows, ``target_position`` is the step's
      position in the source sequence.
    * ``(batch, targets)`` (many-to-one): one row per sample; ``time`` is the last input step's time.
      With ``horizon=True`` the last axis is steps ahead instead: one row per sample and ``ahead``
      (1, 2, ...), for a ``Dense(h)`` multi-step forecast, with ``target_time`` where times are known.

    Columns ``value`` (one target) or ``value:<name>`` hold original units; ``scaled_value`` columns
    keep the raw output when a scaler was applied.

    Args:
        values: the model output.
        scaler: see :func:`rnnlens.decoding.scaling.inverse_scale`.
        target_index: scaler column of each target, when the scaler is wider than the output.
        target_names: a name per target (last axis); default ``0, 1, ...``.
        target_offset: steps between an output step and the step it estimates.
        horizon: many-to-one outputs only: the last axis is the forecast horizon.
        context: ids / times / mask of the samples.

    Returns:
        The table.

    Raises:
        ShapeError: bad shapes, or ``horizon`` with a sequence output.
        TargetError: target names that do not match the output size, a ``target_offset`` that is not an
            integer or lies beyond the sequence (more than its length away).

    Example:
        >>> decode_regression(np.array([[0.5]]), scaler=(100.0, 10.0))["value"].tolist()
        [105.0]
    """
    values = np.asarray(values)
    context = context or RowContext()
    if values.ndim not in (2, 3):
        raise ShapeError(
            f"Regression outputs must be (batch, targets) or (batch, time, targets); received {values.shape}."
        )
    steps = values.shape[1] if values.ndim == 3 else None
    if steps is None and context.timestamps is not None:
        steps = np.asarray(context.timestamps).shape[1]
    target_offset = check_target_offset(target_offset, steps)
    targets = values.shape[-1]
    if horizon:
        if values.ndim != 2:
            raise ShapeError(
                "Argument `horizon=True` applies to many-to-one outputs (batch, steps_ahead); this output "
                f"has shape {values.shape}, one value per step already."
            )
        return _horizon_table(values, scaler, target_index, target_offset, context)
    names = _names(check_names(target_names, "target_names", one_per="target"), targets)
    flat = values.reshape(-1, targets)
    original = inverse_scale(flat, scaler, target_index=target_index)
    columns = _value_columns(original, flat if scaler is not None else None, names)
    if values.ndim == 2:
        index = sample_frame(values.shape[0], context)
        if target_offset and context.timestamps is not None:
            last = _last_real(context, values.shape[0])
            index["target_time"] = times_at(context, last + target_offset)
        return pd.concat([index, columns], axis=1)
    batch, steps = values.shape[:2]
    index = step_frame(batch, steps, context)
    index["target_step"] = index["step"] + int(target_offset)
    if context.window_starts is not None:
        index["target_position"] = (
            np.repeat(np.asarray(context.window_starts), steps) + index["target_step"].to_numpy()
        )
    if context.timestamps is not None:
        wanted = index["target_step"].to_numpy().reshape(batch, steps)
        index["target_time"] = times_at(context, wanted).reshape(-1)
    table = pd.concat([index, columns], axis=1)
    keep = keep_rows(context, steps)
    return table if keep is None else table[keep].reset_index(drop=True)


def times_at(context: RowContext, positions: np.ndarray) -> np.ndarray:
    """The time at window ``positions`` (``(batch,)`` or ``(batch, m)``), extrapolated past the end.

    A position inside the window reads the timestamp there; beyond the last real step it continues at
    the window's spacing when its real steps are evenly spaced, else it is NaT / NaN.
    """
    stamps = np.asarray(context.timestamps)
    batch, steps = stamps.shape
    mask = np.ones((batch, steps), bool) if context.mask is None else np.asarray(context.mask, bool)
    is_date = np.issubdtype(stamps.dtype, np.datetime64)
    numeric = (
        stamps.astype("datetime64[ns]").astype(np.int64).astype(np.float64)
        if is_date
        else stamps.astype(np.float64)
    )
    numeric = np.where(mask, numeric, np.nan)
    pos = np.asarray(positions)
    squeeze = pos.ndim == 1
    pos = pos.reshape(batch, -1)
    last = _last_real(context, batch)
    first = np.argmax(mask, axis=1)
    rows = np.arange(batch)
    t_last = numeric[rows, last]
    count = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = (t_last - numeric[rows, first]) / np.maximum(count - 1, 1)
    regular = np.array([_evenly_spaced(numeric[i, mask[i]]) for i in range(batch)])
    delta = np.where(regular & (count > 1), delta, np.nan)
    inside = np.take_along_axis(numeric, np.clip(pos, 0, steps - 1), axis=1)
    beyond = t_last[:, None] + (pos - last[:, None]) * delta[:, None]
    out = np.where(pos > last[:, None], beyond, np.where(pos < 0, np.nan, inside))
    if is_date:
        result = np.full(out.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
        finite = np.isfinite(out)
        result[finite] = np.round(out[finite]).astype(np.int64).astype("datetime64[ns]")
        out = result
    return out[:, 0] if squeeze else out


def _evenly_spaced(times: np.ndarray) -> bool:
    if times.size < 2:
        return False
    gaps = np.diff(times)
    return bool(np.allclose(gaps, gaps[0], rtol=1e-9, atol=0))


def _last_real(context: RowContext, batch: int) -> np.ndarray:
    if context.mask is None:
        steps = np.asarray(context.timestamps).shape[1]
        return np.full(batch, steps - 1)
    mask = np.asarray(context.mask, bool)
    return mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)


def _names(names: Sequence[str] | None, targets: int) -> tuple[str, ...]:
    if names is None:
        return tuple(str(i) for i in range(targets))
    names = tuple(str(n) for n in names)
    if len(names) != targets:
        raise TargetError(
            f"The output has {targets} target(s) but {len(names)} target names were given; pass one "
            "name per output unit."
        )
    return names


def _value_columns(
    original: np.ndarray, scaled: np.ndarray | None, names: tuple[str, ...]
) -> pd.DataFrame:
    single = len(names) == 1
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):
        columns["value" if single else f"value:{name}"] = original[:, i]
    if scaled is not None:
        for i, name in enumerate(names):
            columns["scaled_value" if single else f"scaled_value:{name}"] = scaled[:, i]
    return pd.DataFrame(columns)


def _horizon_table(
    values: np.ndarray, scaler: Any, target_index: Any, target_offset: int, context: RowContext
) -> pd.DataFrame:
    batch, ahead = values.shape
    # The scaler maps one target; every horizon step is that same target.
    original = inverse_scale(values.reshape(-1, 1), scaler, target_index=target_index)
    index = sample_frame(batch, context)
    table = index.loc[index.index.repeat(ahead)].reset_index(drop=True)
    table["ahead"] = np.tile(np.arange(1, ahead + 1), batch)
    if context.timestamps is not None:
        last = _last_real(context, batch)
        wanted = last[:, None] + target_offset + np.arange(1, ahead + 1)[None, :]
        table["target_time"] = times_at(context, wanted).reshape(-1)
    table["value"] = original[:, 0]
    if scaler is not None:
        table["scaled_value"] = values.reshape(-1).astype(np.float64)
    return table
