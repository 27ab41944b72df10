"""What the data says about its samples, steps and features, carried into attribution results.

:class:`InputLabels` holds the names a :class:`rnnlens.data.Dataset` (or the caller) knows: feature names,
one id per sample, one timestamp per step, and the token vocabulary. :func:`check_labels` validates them
against one result's shape, so a result never holds labels that do not line up with its values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import DataError, OptionError, ShapeError

__all__ = ["InputLabels", "check_labels", "string_array"]


@dataclass(frozen=True, eq=False)
class InputLabels:
    """Names for the axes of a batch; every field is optional.

    Attributes:
        feature_names: ``(features,)`` names of the feature axis of the (first) float input.
        sample_ids: ``(samples,)`` an id per sample (a sequence id, a file row).
        timestamps: ``(samples, time)`` the time of every step of the first input.
        vocab: the token vocabulary (position = token id), for token inputs.
    """

    feature_names: tuple[str, ...] | None = None
    sample_ids: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    vocab: tuple[str, ...] | None = None

    @classmethod
    def from_dataset(cls, dataset: Any) -> InputLabels:
        """The labels a :class:`rnnlens.data.Dataset` carries (its own ``sequence_ids`` become sample ids)."""
        return cls(
            feature_names=_names(dataset.feature_names, "feature_names"),
            sample_ids=_ids(dataset.sequence_ids),
            timestamps=_times(dataset.timestamps),
            vocab=_names(dataset.vocab, "vocab"),
        )

    @classmethod
    def given(
        cls,
        feature_names: Sequence[str] | None = None,
        sample_ids: Any = None,
        timestamps: Any = None,
        vocab: Sequence[str] | None = None,
    ) -> InputLabels:
        """Labels passed as keyword arguments, normalised (string ids and times, tuples of names)."""
        return cls(
            feature_names=_names(feature_names, "feature_names"),
            sample_ids=_ids(sample_ids),
            timestamps=_times(timestamps),
            vocab=_names(vocab, "vocab"),
        )

    def updated(self, other: InputLabels) -> InputLabels:
        """These labels with every field ``other`` sets replaced by ``other``'s."""
        return InputLabels(
            feature_names=other.feature_names
            if other.feature_names is not None
            else self.feature_names,
            sample_ids=other.sample_ids if other.sample_ids is not None else self.sample_ids,
            timestamps=other.timestamps if other.timestamps is not None else self.timestamps,
            vocab=other.vocab if other.vocab is not None else self.vocab,
        )

    @property
    def empty(self) -> bool:
        """True when no field is set."""
        return all(
            value is None
            for value in (self.feature_names, self.sample_ids, self.timestamps, self.vocab)
        )

    def for_inputs(self, axes: Sequence[tuple[str, ...]]) -> list[dict[str, Any]]:
        """Which labels each input's result gets, given each input's reported axes (sample axis first).

        Sample ids go to every input; feature names to the first input with a feature axis; timestamps to
        the first input (whose steps they describe); the vocabulary to every token input.

        Raises:
            OptionError: feature names for a model without feature axis, or a vocabulary for a model
                without token inputs.
        """
        chosen: list[dict[str, Any]] = [{"sample_ids": self.sample_ids} for _ in axes]
        if self.feature_names is not None:
            with_features = [i for i, names in enumerate(axes) if "feature" in names]
            if not with_features:
                raise OptionError(
                    f"Argument `feature_names` was given ({len(self.feature_names)} names) but no model "
                    "input has a feature axis (token inputs have none). Leave feature_names out."
                )
            chosen[with_features[0]]["feature_names"] = self.feature_names
        if self.timestamps is not None and axes:
            chosen[0]["timestamps"] = self.timestamps
        if self.vocab is not None:
            with_tokens = [i for i, names in enumerate(axes) if "token" in names]
            if not with_tokens:
                raise OptionError(
                    f"Argument `vocab` was given ({len(self.vocab)} tokens) but no model input holds "
                    "token ids. Leave vocab out."
                )
            for i in with_tokens:
                chosen[i]["vocab"] = self.vocab
        return chosen


def check_labels(
    values_shape: tuple[int, ...],
    axes: tuple[str, ...],
    inputs: np.ndarray,
    *,
    feature_names: tuple[str, ...] | None,
    sample_ids: np.ndarray | None,
    timestamps: np.ndarray | None,
    vocab: tuple[str, ...] | None,
) -> None:
    """Raise unless every label lines up with a result of shape ``values_shape`` and ``axes``.

    Raises:
        ShapeError: a label's length differs from the axis it names. DataError: a token id has no entry
            in ``vocab``.
    """
    samples = values_shape[0]
    if sample_ids is not None and sample_ids.shape != (samples,):
        raise ShapeError(
            f"Argument `sample_ids` must hold one id per sample, shape ({samples},); received shape "
            f"{sample_ids.shape}."
        )
    if feature_names is not None:
        if "feature" not in axes:
            raise ShapeError(
                f"Argument `feature_names` names a feature axis, but the result has axes {axes}."
            )
        features = values_shape[axes.index("feature")]
        if len(feature_names) != features:
            raise ShapeError(
                f"Argument `feature_names` must hold one name per feature ({features}); received "
                f"{len(feature_names)}: {list(feature_names)[:8]}."
            )
    if timestamps is not None:
        step_axis = "time" if "time" in axes else "token" if "token" in axes else None
        if step_axis is None:
            raise ShapeError(f"Argument `timestamps` names steps, but the result has axes {axes}.")
        expected = (samples, values_shape[axes.index(step_axis)])
        if timestamps.shape != expected:
            raise ShapeError(
                f"Argument `timestamps` must hold one time per (sample, step), shape {expected}; "
                f"received shape {timestamps.shape}."
            )
    if vocab is not None:
        if "token" not in axes:
            raise ShapeError(f"Argument `vocab` names token ids, but the result has axes {axes}.")
        ids = np.asarray(inputs)
        if ids.size and (ids.min() < 0 or ids.max() >= len(vocab)):
            raise DataError(
                f"Argument `vocab` holds {len(vocab)} tokens but the inputs hold token id "
                f"{int(ids.max()) if ids.max() >= len(vocab) else int(ids.min())}; pass the vocabulary "
                "the ids were encoded with (line number = id)."
            )


def string_array(values: Any) -> np.ndarray:
    """``values`` as an array that NumPy, Parquet and CSV store without pickling (objects become strings)."""
    array = np.asarray(values)
    if array.dtype == object:
        return array.astype(str)
    return array


def _names(values: Sequence[str] | None, name: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise OptionError(
            f"Argument `{name}` must be a list of strings, received {type(values).__name__} {values!r}."
        )
    return tuple(str(value) for value in values)


def _ids(values: Any) -> np.ndarray | None:
    if values is None:
        return None
    array = string_array(values)
    if array.ndim != 1:
        raise ShapeError(
            f"Argument `sample_ids` must be one id per sample, shape (samples,); received shape "
            f"{array.shape}."
        )
    return array


def _times(values: Any) -> np.ndarray | None:
    if values is None:
        return None
    array = string_array(values)
    if array.ndim != 2:
        raise ShapeError(
            f"Argument `timestamps` must be one time per (sample, step), shape (samples, time); "
            f"received shape {array.shape}."
        )
    return array
