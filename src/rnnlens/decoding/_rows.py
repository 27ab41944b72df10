"""Row bookkeeping shared by every decoder: which sample, sequence, step and time each table row is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rnnlens.errors import ShapeError

__all__ = ["RowContext", "flatten_rows"]


@dataclass(frozen=True, eq=False)
class RowContext:
    """What is known about the samples being decoded.

    Attributes:
        sequence_ids: ``(batch,)`` source sequence of each sample, or None.
        window_starts: ``(batch,)`` first step of each sample in its source sequence, or None.
        timestamps: ``(batch, time)`` time of each input step, or None.
        mask: ``(batch, time)`` False on padded steps, or None.
    """

    sequence_ids: np.ndarray | None = None
    window_starts: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    mask: np.ndarray | None = None

    @classmethod
    def from_data(cls, data: Any) -> RowContext:
        """Take the fields of a :class:`rnnlens.data.Dataset` (or anything with the same attributes)."""
        return cls(
            sequence_ids=getattr(data, "sequence_ids", None),
            window_starts=getattr(data, "window_starts", None),
            timestamps=getattr(data, "timestamps", None),
            mask=getattr(data, "mask", None),
        )

    def check(self, batch: int) -> None:
        """Raise ShapeError when a field has the wrong rank or its first axis is not ``batch``."""
        ranks = {"sequence_ids": 1, "window_starts": 1, "timestamps": 2, "mask": 2}
        for name, rank in ranks.items():
            value = getattr(self, name)
            if value is not None and np.ndim(value) != rank:
                axes = "(batch,)" if rank == 1 else "(batch, time)"
                raise ShapeError(
                    f"`{name}` must have shape {axes}, one entry per sample"
                    f"{'' if rank == 1 else ' and input step'}; received shape {np.shape(value)}."
                )
            if value is not None and len(value) != batch:
                raise ShapeError(
                    f"`{name}` has {len(value)} rows but the predictions hold {batch} samples; "
                    "they must match one to one."
                )


def sample_frame(batch: int, context: RowContext) -> pd.DataFrame:
    """One row per sample: ``sample``, and ``sequence_id`` / ``window_start`` / ``time`` where known.

    ``time`` is the time of the sample's last real input step: the moment the prediction is made.
    """
    context.check(batch)
    frame = pd.DataFrame({"sample": np.arange(batch)})
    if context.sequence_ids is not None:
        frame["sequence_id"] = np.asarray(context.sequence_ids)
    if context.window_starts is not None:
        frame["window_start"] = np.asarray(context.window_starts)
    if context.timestamps is not None:
        stamps = np.asarray(context.timestamps)
        if context.mask is not None:
            last = (
                np.asarray(context.mask).shape[1]
                - 1
                - np.argmax(np.asarray(context.mask)[:, ::-1], axis=1)
            )
        else:
            last = np.full(batch, stamps.shape[1] - 1)
        frame["time"] = stamps[np.arange(batch), last]
    return frame


def step_frame(batch: int, steps: int, context: RowContext, *, timed: bool = True) -> pd.DataFrame:
    """One row per (sample, step), in sample-major order: ``sample``, ids, ``step`` and ``time``.

    ``time`` is the input step's time when ``timed`` and timestamps cover ``steps`` steps.
    """
    context.check(batch)
    frame = pd.DataFrame(
        {"sample": np.repeat(np.arange(batch), steps), "step": np.tile(np.arange(steps), batch)}
    )
    if context.sequence_ids is not None:
        frame.insert(1, "sequence_id", np.repeat(np.asarray(context.sequence_ids), steps))
    if context.window_starts is not None:
        frame.insert(
            frame.columns.get_loc("step"),
            "window_start",
            np.repeat(np.asarray(context.window_starts), steps),
        )
    stamps = None if context.timestamps is None else np.asarray(context.timestamps)
    if timed and stamps is not None and stamps.shape[1] == steps:
        frame["time"] = stamps.reshape(-1)
    return frame


def keep_rows(context: RowContext, steps: int) -> np.ndarray | None:
    """``(batch * steps,)`` True for rows of real (unpadded) steps; None when nothing is padded."""
    if context.mask is None or np.asarray(context.mask).shape[1] != steps:
        return None
    mask = np.asarray(context.mask).reshape(-1)
    return None if mask.all() else mask


def flatten_rows(array: np.ndarray) -> tuple[np.ndarray, int, int | None]:
    """``(batch, [time,] units)`` -> ``(rows, units)``, batch and time (None without a time axis)."""
    if array.ndim == 2:
        return array, array.shape[0], None
    if array.ndim == 3:
        return array.reshape(-1, array.shape[-1]), array.shape[0], array.shape[1]
    raise ShapeError(
        f"Predictions must be (batch, units) or (batch, time, units); received shape {array.shape}."
    )


def frame_for(array: np.ndarray, context: RowContext) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The index frame for a ``(batch, [time,] units)`` prediction, and the rows to keep (unpadded)."""
    _, batch, steps = flatten_rows(array)
    if steps is None:
        return sample_frame(batch, context), None
    return step_frame(batch, steps, context), keep_rows(context, steps)
