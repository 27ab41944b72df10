"""The one container every reader returns and every command consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rnnlens.errors import DataError, ShapeError

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Model inputs plus everything known about them: names, ids, times, class names, vocabulary.

    Attributes:
        inputs: the arrays, keyed by model input name (``"x"`` when the file does not name them); each is
            ``(batch, time, features)`` or, for token ids, ``(batch, time)``. A dataset for an
            encoder-decoder model may hold only the encoder input: the decoder input is then generated.
        feature_names: names of the last axis of the (first) feature input, ``(features,)``.
        sequence_ids: ``(batch,)`` the source sequence each sample came from (row i of a token file,
            the id column of a long table, or ``0..batch-1``).
        window_starts: ``(batch,)`` position of each sample's first step in its source sequence (windowed
            long tables; 0 otherwise).
        timestamps: ``(batch, time)`` the time of every step where known (long tables, ``.npz``), else None.
        mask: ``(batch, time)`` True for real steps, False for padding; None when nothing was padded.
        labels: class names, one per output unit (or ``(negative, positive)`` for a binary output).
        targets: ground-truth values or class ids for the samples, when the file carries them.
        vocab: the token vocabulary; position = token id.
        source: where the data came from (a path), for messages and reports.
    """

    inputs: Mapping[str, np.ndarray]
    feature_names: tuple[str, ...] | None = None
    sequence_ids: np.ndarray | None = None
    window_starts: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    mask: np.ndarray | None = None
    labels: tuple[str, ...] | None = None
    targets: np.ndarray | None = None
    vocab: tuple[str, ...] | None = None
    source: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.inputs, Mapping) or not self.inputs:
            raise ShapeError(
                "A Dataset needs `inputs`: a dict of at least one array keyed by input name; received "
                f"{type(self.inputs).__name__} {self.inputs!r:.60}."
            )
        sizes = {name: _rows(array, f"input {name!r}") for name, array in self.inputs.items()}
        if len(set(sizes.values())) > 1:
            raise ShapeError(
                f"All inputs must hold the same number of samples; received {sizes}. "
                "Check that every array in the file has the same first axis."
            )
        batch = next(iter(sizes.values()))
        for attribute in ("sequence_ids", "window_starts", "timestamps", "mask", "targets"):
            value = getattr(self, attribute)
            if value is not None and _rows(value, f"field `{attribute}`") != batch:
                raise ShapeError(
                    f"Dataset field `{attribute}` has {len(value)} rows but the inputs hold {batch} "
                    "samples; they must match one to one."
                )

    @property
    def n_samples(self) -> int:
        """Number of samples (the batch size)."""
        return int(np.shape(next(iter(self.inputs.values())))[0])

    @property
    def input_names(self) -> tuple[str, ...]:
        """The names of the arrays held, in order."""
        return tuple(self.inputs)

    def ids(self) -> np.ndarray:
        """``(batch,)`` sequence ids, defaulting to ``0..batch-1``."""
        if self.sequence_ids is not None:
            return self.sequence_ids
        return np.arange(self.n_samples)

    def model_inputs(self, model: Any) -> list[np.ndarray]:
        """The arrays in the order of ``model.inputs``, validated with :func:`rnnlens.validation.prepare_inputs`.

        A single unnamed array (``"x"``) feeds a single-input model; otherwise arrays are matched by input
        name, then by position when the count matches.

        Raises:
            ShapeError, DataError: the arrays do not fit the model.
        """
        from rnnlens.validation import prepare_inputs

        return prepare_inputs(model, self.arrange(model))

    def arrange(self, model: Any) -> list[np.ndarray]:
        """The arrays in the order of ``model.inputs`` without validation (see :meth:`model_inputs`)."""
        from rnnlens.model_inputs import input_names

        names = input_names(model)
        if all(name in self.inputs for name in names):
            return [np.asarray(self.inputs[name]) for name in names]
        if len(self.inputs) == len(names):
            return [np.asarray(array) for array in self.inputs.values()]
        raise ShapeError(
            f"The model has input(s) {names} but the data holds {list(self.inputs)}. Name each array "
            "after a model input (an .npz key per input) or pass one array per input, in order."
        )

    def with_fields(self, **changes: Any) -> Dataset:
        """A copy with some fields replaced (the dataclass is frozen)."""
        return replace(self, **changes)


def _rows(value: Any, what: str) -> int:
    """The length of the first axis, refusing scalars and ragged lists with a clear error."""
    try:
        shape = np.shape(value)
    except ValueError:
        raise DataError(
            f"Dataset {what} is ragged (nested lists of different lengths); pad it to one length."
        ) from None
    if not shape:
        expected = (
            "an array with a batch axis first, such as (batch, time, features)"
            if what.startswith("input")
            else "an array with one row per sample"
        )
        raise ShapeError(f"Dataset {what} is a scalar (0-d); expected {expected}.")
    return int(shape[0])
