"""What the model's single input looks like, by value, and the identity of data files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.errors import DataError, RnnlensError, UnsupportedLayerError

__all__ = ["InputFormat", "file_fingerprint", "input_format"]


@dataclass(frozen=True)
class InputFormat:
    """The model's single input, by value: what every chunk must look like.

    Attributes:
        name: the input's name.
        shape: batch axis first; ``None`` where any size goes.
        tokens: the input holds token ids.
        vocab_size: token ids lie in ``[0, vocab_size)`` (None: unchecked).
        dtype: the float dtype of feature inputs.
    """

    name: str
    shape: tuple[int | None, ...]
    tokens: bool = False
    vocab_size: int | None = None
    dtype: str = "float32"

    @property
    def timesteps(self) -> int | None:
        """Steps per sequence, or None when the model takes any length."""
        return self.shape[1] if len(self.shape) > 1 else None

    @property
    def features(self) -> int | None:
        """Features per step (None for token ids)."""
        return self.shape[2] if len(self.shape) > 2 else None

    def check(self, array: Any, what: str, ids: np.ndarray | None = None) -> np.ndarray:
        """``array`` validated (rank, sizes, finiteness, token range) and converted as the model takes it.

        Raises:
            ShapeError, DataError: as :func:`rnnlens.validation.check_array`, with ``what`` in the message
                (and, given ``ids``, the id of a sequence holding NaN / inf).
        """
        from rnnlens.validation import check_array

        if ids is not None and isinstance(array, np.ndarray) and array.dtype.kind == "f":
            bad = np.argwhere(~np.isfinite(array))
            if len(bad):
                where = ", ".join(
                    f"{axis} {int(i)}"
                    for axis, i in zip(("step", "feature"), bad[0][1:], strict=False)
                )
                raise DataError(
                    f"{what}: sequence {_plain(ids[bad[0][0]])} holds {array[tuple(bad[0])]} at {where}. "
                    "Impute or drop those values before explaining the fleet."
                )
        try:
            return check_array(
                array,
                self.shape,
                name=self.name,
                integer=self.tokens,
                vocab_size=self.vocab_size,
                dtype=self.dtype,
            )
        except RnnlensError as exc:
            raise type(exc)(f"{what}: {exc}") from None


def input_format(model: Any) -> InputFormat:
    """The :class:`InputFormat` of a single-input ``keras.Model``.

    Raises:
        UnsupportedLayerError: the model has several inputs (fleets take single-input models).
    """
    from rnnlens.model_inputs import describe_inputs

    inputs = list(describe_inputs(model))
    if len(inputs) != 1:
        raise UnsupportedLayerError(
            f"`rnnlens batch` explains single-input models; this model has {len(inputs)} inputs "
            f"{[item.name for item in inputs]}. Explain it with `rnnlens explain` / rnnlens.attribute, "
            "which take one array per input."
        )
    item = inputs[0]
    return InputFormat(
        name=item.name,
        shape=tuple(item.shape),
        tokens=item.tokens,
        vocab_size=item.vocab_size,
        dtype=item.dtype if item.dtype in ("float16", "float32", "float64") else "float32",
    )


def file_fingerprint(kind: str, files: Sequence[Path], options: dict[str, Any]) -> str:
    """Content identity without reading the content: paths, sizes, modification times, options."""
    stats = []
    for file in files:
        info = file.stat()
        stats.append([str(file.resolve()), info.st_size, info.st_mtime_ns])
    text = json.dumps({"kind": kind, "files": stats, "options": options}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> str:
    """An id as a user wrote it: ``'engine-07'`` or ``7``, not ``np.int64(7)``."""
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)
