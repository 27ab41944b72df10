"""Cut variable-length sequences into fixed-length windows, padding short ones on request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rnnlens.errors import DataError, OptionError, ShapeError

__all__ = ["Padding", "Windows", "window_sequences"]

Padding = Literal["none", "pre", "post"]
_PADDINGS = ("none", "pre", "post")


@dataclass(frozen=True, eq=False)
class Windows:
    """Windows cut from sequences.

    Attributes:
        values: ``(n_windows, window, features)`` the windowed values.
        sequence: ``(n_windows,)`` index of the source sequence of each window.
        start: ``(n_windows,)`` position of the window's first real step in its sequence.
        positions: ``(n_windows, window)`` position in the source sequence of each step; -1 for padding.
        padded: True when some step is padding.
    """

    values: np.ndarray
    sequence: np.ndarray
    start: np.ndarray
    positions: np.ndarray
    padded: bool

    @property
    def mask(self) -> np.ndarray:
        """``(n_windows, window)`` True for real steps."""
        return self.positions >= 0


def window_sequences(
    sequences: Sequence[np.ndarray],
    window: int,
    *,
    stride: int = 1,
    padding: Padding = "none",
    pad_value: float = 0.0,
    names: Sequence[object] | None = None,
) -> Windows:
    """Cut each ``(length, features)`` sequence into windows of ``window`` steps, ``stride`` apart.

    A sequence of length ``L >= window`` gives windows starting at ``0, stride, 2*stride, ...`` up to
    ``L - window`` (steps after the last full window are not covered unless ``stride`` divides
    ``L - window``). A shorter sequence is an error with ``padding="none"``; with ``"pre"`` / ``"post"`` it
    becomes one window, padded with ``pad_value`` before / after its steps.

    Args:
        sequences: arrays ``(length, features)``, one per sequence.
        window: steps per window (the model's input length).
        stride: steps between consecutive window starts.
        padding: ``"none"``, ``"pre"`` or ``"post"``.
        pad_value: the value written into padded steps.
        names: sequence ids used in error messages.

    Returns:
        :class:`Windows`.

    Raises:
        ShapeError: ``window`` or ``stride`` is not a positive integer, or ``padding`` is unknown.
        OptionError: ``pad_value`` is not a finite number.
        DataError: a sequence is shorter than the window and ``padding="none"``.

    Example:
        >>> w = window_sequences([np.arange(5.0)[:, None]], window=3, stride=2)
        >>> w.values[:, :, 0].tolist()
        [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]
    """
    if not isinstance(window, int | np.integer) or isinstance(window, bool) or window < 1:
        raise ShapeError(f"Argument `window` must be a positive integer, received {window!r}.")
    if not isinstance(stride, int | np.integer) or isinstance(stride, bool) or stride < 1:
        raise ShapeError(f"Argument `stride` must be a positive integer, received {stride!r}.")
    if padding not in _PADDINGS:
        raise ShapeError(f"Argument `padding` must be one of {_PADDINGS}, received {padding!r}.")
    if (
        not isinstance(pad_value, int | float | np.integer | np.floating)
        or isinstance(pad_value, bool)
        or not np.isfinite(pad_value)
    ):
        raise OptionError(f"Argument `pad_value` must be a finite number, received {pad_value!r}.")
    if not sequences:
        raise DataError("No sequences to window: the data is empty.")
    # Past the longest sequence every stride gives the same single window; capping it keeps the window
    # arithmetic in int64 (a stride of 10**20 would turn every position into a Python object).
    stride = min(int(stride), max(len(seq) for seq in sequences) + 1)
    features = np.asarray(sequences[0]).shape[1]
    values, sequence, start, positions = [], [], [], []
    padded = False
    for index, seq in enumerate(sequences):
        seq = np.asarray(seq)
        length = seq.shape[0]
        if length >= window:
            view = sliding_window_view(seq, window, axis=0)[::stride]  # (n, features, window)
            starts = np.arange(0, length - window + 1, stride)
            values.append(np.swapaxes(view, 1, 2))
            start.append(starts)
            positions.append(starts[:, None] + np.arange(window)[None, :])
            sequence.append(np.full(len(starts), index))
            continue
        if padding == "none":
            label = names[index] if names is not None else index
            label = label.item() if isinstance(label, np.generic) else label
            raise DataError(
                f"Sequence {label!r} has {length} step(s), fewer than the window of {window}. "
                "Pad it (padding='pre' or 'post', CLI --padding) or drop sequences that short."
            )
        padded = True
        block = np.full(
            (1, window, features), pad_value, dtype=np.result_type(seq.dtype, np.float32)
        )
        pos = np.full((1, window), -1)
        offset = window - length if padding == "pre" else 0
        block[0, offset : offset + length] = seq
        pos[0, offset : offset + length] = np.arange(length)
        values.append(block)
        positions.append(pos)
        start.append(np.zeros(1, dtype=int))
        sequence.append(np.array([index]))
    return Windows(
        values=np.concatenate(values).astype(np.float32, copy=False),
        sequence=np.concatenate(sequence),
        start=np.concatenate(start),
        positions=np.concatenate(positions),
        padded=padded,
    )
