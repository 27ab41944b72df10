"""NumPy files: ``.npy`` (one input array) and ``.npz`` (inputs plus named metadata arrays)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.data.dataset import Dataset
from rnnlens.data.tokens import check_vocab
from rnnlens.errors import DataError, ShapeError

__all__ = ["METADATA_KEYS", "read_npy", "read_npz"]

#: ``.npz`` keys that describe the inputs rather than being inputs.
METADATA_KEYS = (
    "feature_names",
    "labels",
    "vocab",
    "timestamps",
    "y",
    "targets",
    "sequence_ids",
    "mask",
)


def read_npy(path: str | os.PathLike[str], *, input_name: str = "x") -> Dataset:
    """Read one array ``(batch, time, features)`` or token ids ``(batch, time)`` from a ``.npy`` file.

    Raises:
        DataError: missing file, or an object array (rnnlens never unpickles data).
    """
    file = Path(path)
    array = _load(file)
    if not isinstance(array, np.ndarray):
        raise DataError(f"{file.name} is not a .npy array file.")
    return Dataset(inputs={input_name: array}, source=str(file))


def read_npz(path: str | os.PathLike[str], *, input_names: list[str] | None = None) -> Dataset:
    """Read an ``.npz`` archive following the rnnlens conventions.

    Inputs are stored as ``x`` (single-input models) or one array per model input, keyed by input name.
    Optional metadata arrays: ``feature_names`` ``(features,)``, ``labels`` (class names as strings,
    or numeric ground truth), ``y`` / ``targets`` (ground truth), ``vocab`` ``(vocab_size,)``,
    ``timestamps`` ``(batch, time)``, ``sequence_ids`` ``(batch,)`` and ``mask`` ``(batch, time)``.

    Args:
        path: the ``.npz`` file.
        input_names: the model's input names; when given, arrays are looked up by these names (or ``x``).

    Raises:
        DataError: missing file, object arrays, or ambiguous / malformed metadata.
        ShapeError: the model's inputs are not in the archive, or metadata sizes disagree with the inputs.
    """
    file = Path(path)
    archive = _load(file)
    if isinstance(archive, np.ndarray):
        raise DataError(f"{file.name} holds a single array; save archives with np.savez (.npz).")
    with archive:
        try:
            arrays = {key: archive[key] for key in archive.files}
        except ValueError as exc:
            raise DataError(_pickle_message(file)) from exc
    keys = sorted(arrays)
    candidates = {k: v for k, v in arrays.items() if k not in METADATA_KEYS}
    if input_names is not None and all(name in candidates for name in input_names):
        inputs = {name: candidates[name] for name in input_names}
    elif "x" in candidates:
        inputs = {"x": candidates["x"]}
    elif input_names is not None:
        present = {name: candidates[name] for name in input_names if name in candidates}
        if not present:
            raise ShapeError(
                f"{file.name} holds arrays {keys} but none is named 'x' or after a model input "
                f"{input_names}. Save the inputs as `x=...` or one array per input name."
            )
        inputs = present
    else:
        if not candidates:
            raise ShapeError(
                f"{file.name} holds only metadata arrays {keys}; save the inputs as `x=...`."
            )
        inputs = candidates
    labels, targets = _labels_and_targets(arrays, file.name)
    feature_names = _strings(arrays.get("feature_names"), "feature_names", file.name)
    first = next(iter(inputs.values()))
    if feature_names is not None and (first.ndim < 3 or first.shape[-1] != len(feature_names)):
        raise ShapeError(
            f"{file.name}: `feature_names` has {len(feature_names)} names but the input "
            f"{next(iter(inputs))!r} has shape {first.shape}; expected one name per feature (last axis)."
        )
    vocab = _strings(arrays.get("vocab"), "vocab", file.name)
    timestamps = arrays.get("timestamps")
    if timestamps is not None and timestamps.shape[:2] != first.shape[:2]:
        raise ShapeError(
            f"{file.name}: `timestamps` has shape {timestamps.shape} but the inputs are {first.shape}; "
            "expected (batch, time), one time per sample and step."
        )
    mask = arrays.get("mask")
    if mask is not None and mask.shape != first.shape[:2]:
        raise ShapeError(
            f"{file.name}: `mask` has shape {mask.shape}; expected (batch, time) = {first.shape[:2]}."
        )
    return Dataset(
        inputs=inputs,
        feature_names=feature_names,
        sequence_ids=arrays.get("sequence_ids"),
        timestamps=timestamps,
        mask=None if mask is None else mask.astype(bool),
        labels=labels,
        targets=targets,
        vocab=None if vocab is None else check_vocab(vocab, source=f"{file.name}: vocab"),
        source=str(file),
    )


def _load(file: Path) -> Any:
    if not file.is_file():
        raise DataError(f"Data file {str(file)!r} does not exist. Check the path.")
    try:
        return np.load(file, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(_pickle_message(file)) from exc
        raise DataError(f"Could not read {file.name} as NumPy data: {exc}") from exc
    except Exception as exc:  # zipfile / OSError for damaged archives.
        raise DataError(f"Could not read {file.name} as NumPy data: {exc}") from exc


def _pickle_message(file: Path) -> str:
    return (
        f"{file.name} holds object (pickled) arrays, which rnnlens does not load because unpickling can "
        "run code. Save numbers as numeric arrays and names as string arrays (np.array(names, dtype=str))."
    )


def _strings(value: np.ndarray | None, key: str, source: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if value.ndim != 1:
        raise ShapeError(
            f"{source}: `{key}` must be a 1-D array of names, received shape {value.shape}."
        )
    return tuple(str(item) for item in value.tolist())


def _labels_and_targets(
    arrays: dict[str, np.ndarray], source: str
) -> tuple[tuple[str, ...] | None, np.ndarray | None]:
    labels = arrays.get("labels")
    targets = arrays.get("y", arrays.get("targets"))
    if labels is not None and labels.dtype.kind in "biuf":
        # Numeric `labels` are ground truth, as in (x, labels) training pairs.
        if targets is not None:
            raise DataError(
                f"{source} holds numeric `labels` and `y`/`targets`; keep one for the ground truth and "
                "store class names as strings in `labels`."
            )
        return None, labels
    return _strings(labels, "labels", source), targets
