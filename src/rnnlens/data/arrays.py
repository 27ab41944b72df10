"""NumPy files: ``.npy`` (one input array) and ``.npz`` (inputs plus named metadata arrays)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.data.dataset import Dataset
from rnnlens.data.files import available_memory, regular_file
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
        DataError: missing, empty, truncated or corrupt file, or an object array (rnnlens never unpickles
            data).
    """
    file = regular_file(path, "Data file")
    array = _load(file)
    if not isinstance(array, np.ndarray):
        array.close()
        raise DataError(
            f"{file.name} is an .npz archive, not a single .npy array; rename it to .npz."
        )
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
    file = regular_file(path, "Data file")
    archive = _load(file)
    if isinstance(archive, np.ndarray):
        raise DataError(f"{file.name} holds a single array; save archives with np.savez (.npz).")
    with archive:
        arrays = {key: _member(archive, key, file) for key in archive.files}
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


_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"  # a local file header, or the end record alone for an archive with no arrays


def _load(file: Path) -> Any:
    """``np.load`` without pickles, after checking the file is NumPy data and, for ``.npy``, complete."""
    with file.open("rb") as handle:
        head = handle.read(len(_NPY_MAGIC))
        if not head:
            raise DataError(
                f"{file.name} is empty (0 bytes); expected NumPy data (np.save / np.savez)."
            )
        if head.startswith(_NPY_MAGIC):
            _check_npy_header(handle, file)
        elif not head.startswith(_ZIP_MAGIC):
            raise DataError(
                f"{file.name} is not NumPy data: it starts with neither the .npy magic bytes nor a zip "
                "header. Save arrays with np.save (.npy) or np.savez (.npz)."
            )
        else:
            _check_npz_members(file)
    try:
        return np.load(file, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(_pickle_message(file)) from exc
        raise DataError(f"{file.name} is damaged and cannot be read as NumPy data: {exc}") from exc
    except Exception as exc:  # zipfile / zlib / EOFError / OSError for damaged files.
        raise DataError(f"{file.name} is damaged and cannot be read as NumPy data: {exc}") from exc


def _check_npz_members(file: Path) -> None:
    """Refuse an archive whose arrays would inflate beyond the memory this machine has free.

    ``zipfile`` stops inflating a member at its declared size, so the declared sizes bound what loading can
    take; checking them first turns a zip bomb into a clear error instead of a swapping machine.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            declared = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DataError(f"{file.name} is damaged and cannot be read as NumPy data: {exc}") from exc
    free = available_memory()
    if free is not None and declared > free:
        raise DataError(
            f"{file.name} inflates to {declared / 2**30:,.2f} GiB, more than the {free / 2**30:,.2f} GiB "
            "of memory free. Save large data as .npy (read memory-mapped) or split it into smaller files."
        )


def _check_npy_header(handle: Any, file: Path) -> None:
    """Refuse object arrays and truncated files from the header, before any data is allocated."""
    handle.seek(0)
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            return  # version 3.0 (UTF-8 field names): np.load checks it
    except Exception as exc:  # ValueError / EOFError / SyntaxError for a damaged header.
        raise DataError(f"{file.name} has a damaged .npy header: {exc}") from exc
    if dtype.hasobject:
        raise DataError(_pickle_message(file))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    available = file.stat().st_size - handle.tell()
    if available < expected:
        raise DataError(
            f"{file.name} is truncated: its header announces an array of shape {shape} ({expected} bytes) "
            f"but only {available} bytes follow. Save the array again."
        )


def _member(archive: Any, key: str, file: Path) -> np.ndarray:
    try:
        return archive[key]  # type: ignore[no-any-return]
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(_pickle_message(file)) from exc
        raise DataError(f"{file.name}: array {key!r} is damaged and cannot be read: {exc}") from exc
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError for damaged members.
        raise DataError(f"{file.name}: array {key!r} is damaged and cannot be read: {exc}") from exc


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
