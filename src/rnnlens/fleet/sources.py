"""Where a fleet's sequences come from: read one chunk at a time, never the whole data.

A :class:`SequenceSource` is cheap to pickle (paths and a small index) and reopens its files lazily, so
worker processes and Ray actors read their own chunks. Formats (see :func:`open_source`):

* ``.npy`` ``(sequences, time, features)`` or token ids ``(sequences, time)``, memory-mapped;
* ``.npz`` with ``x`` (and optional ``sequence_ids`` / ``ids`` and ``feature_names``), memory-mapped when
  stored uncompressed (``np.savez``); a compressed ``x`` is read whole once per process;
* a Parquet long table (one row per (id, step)) or a folder of Parquet shards: an index of the rows of
  each sequence is built from the id column alone, and a chunk reads only the row groups it needs. Each
  sequence is one row of the output; the model sees its last ``window`` steps (by time), the most recent
  window, and shorter sequences are an error unless ``padding`` is ``"pre"`` or ``"post"``.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rnnlens.errors import DataError, OptionError, RnnlensError, ShapeError
from rnnlens.fleet.chunks import ChunkSpec, SequenceChunk
from rnnlens.fleet.formats import InputFormat, file_fingerprint, input_format

__all__ = ["InputFormat", "SequenceSource", "input_format", "open_source"]

_TABLE_SUFFIXES = (".parquet", ".pq")


class SequenceSource(Protocol):
    """Sequences read one chunk at a time (see the module docstring)."""

    description: str
    n_sequences: int
    fingerprint: str
    feature_names: tuple[str, ...] | None
    id_type: str

    def read(self, spec: ChunkSpec) -> SequenceChunk:
        """The sequences ``[spec.start, spec.stop)``, validated for the model."""
        ...


def open_source(
    data: str | os.PathLike[str],
    model_input: InputFormat,
    *,
    id_column: str | None = None,
    time_column: str | None = None,
    feature_columns: Sequence[str] | None = None,
    window: int | None = None,
    padding: str | None = None,
    pad_value: float = 0.0,
) -> SequenceSource:
    """Open ``data`` as a :class:`SequenceSource` for a model whose input is ``model_input``.

    Args:
        data: a ``.npy`` / ``.npz`` file, a Parquet long table, or a folder of Parquet shards.
        model_input: what the model takes (:func:`input_format`).
        id_column, time_column, feature_columns: long tables: the columns (default: the first, the
            second, every other column).
        window: long tables: steps fed to the model, the last ones of each sequence (default: the
            model's input length).
        padding: long tables: ``"none"`` (default), ``"pre"`` or ``"post"`` for sequences shorter than
            ``window``.
        pad_value: long tables: the value of padded steps.

    Raises:
        DataError: a missing or unreadable file, a folder without Parquet shards, missing columns, a
            sequence split across rows of other sequences or across shards.
        ShapeError: 0 sequences, or arrays that do not fit the model.
        OptionError: table options for array files, an unknown ``padding``.

    Example:
        >>> np.save(folder / "fleet.npy", np.zeros((5, 6, 2), "float32"))
        >>> source = open_source(folder / "fleet.npy", InputFormat("x", (None, 6, 2)))
        >>> source.n_sequences, source.read(ChunkSpec(1, 2, 4)).ids.tolist()
        (5, [2, 3])
    """
    if not isinstance(data, str | os.PathLike):
        raise DataError(
            f"Argument `data` must be a file or folder path, received {type(data).__name__}. Save "
            "arrays with np.save first (a fleet is read from disk, chunk by chunk)."
        )
    path = Path(data)
    if not path.exists():
        raise DataError(f"Data {str(path)!r} does not exist.")
    table_options = {
        "id_column": id_column,
        "time_column": time_column,
        "feature_columns": feature_columns,
        "window": window,
        "padding": padding,
    }
    if path.is_dir() or path.suffix.lower() in _TABLE_SUFFIXES:
        from rnnlens.fleet.table_source import TableSource

        if padding not in (None, "none", "pre", "post"):
            raise OptionError(
                f"Argument `padding` must be 'none', 'pre' or 'post', received {padding!r}."
            )
        return TableSource.open(
            path,
            model_input,
            id_column=id_column,
            time_column=time_column,
            feature_columns=None if feature_columns is None else tuple(feature_columns),
            window=window,
            padding=padding or "none",
            pad_value=pad_value,
        )
    given = [name for name, value in table_options.items() if value is not None]
    if given:
        raise OptionError(
            f"{', '.join(given)} only apply to Parquet long tables, but {path.name} is not a table. "
            "Leave them out."
        )
    if path.suffix.lower() == ".npy":
        return ArraySource.open(path, model_input)
    if path.suffix.lower() == ".npz":
        return ArraySource.open(path, model_input)
    raise DataError(
        f"Cannot read {path.name!r} as a fleet: expected .npy, .npz, .parquet or a folder of Parquet "
        "shards."
    )


class ArraySource:
    """Sequences from a ``.npy`` array or an ``.npz`` archive's ``x``, memory-mapped where possible."""

    id_type = "int64"

    def __init__(
        self,
        path: Path,
        model_input: InputFormat,
        n_sequences: int,
        fingerprint: str,
        feature_names: tuple[str, ...] | None,
        ids: np.ndarray | None,
    ) -> None:
        self.path = path
        self.model_input = model_input
        self.n_sequences = n_sequences
        self.fingerprint = fingerprint
        self.feature_names = feature_names
        self.ids = ids
        self.id_type = "int64" if ids is None or ids.dtype.kind in "iu" else "string"
        self.description = f"{path.name} ({n_sequences} sequences)"
        self._array: np.ndarray | None = None

    @classmethod
    def open(cls, path: Path, model_input: InputFormat) -> ArraySource:
        from rnnlens.data.files import regular_file

        regular_file(path, "Data file")
        array = _open_array(path)
        if array.ndim < 1 or array.shape[0] == 0:
            raise ShapeError(f"{path.name} holds 0 sequences; a fleet needs at least one.")
        model_input.check(array[:1], path.name)  # rank and sizes, before any work
        ids = feature_names = None
        if path.suffix.lower() == ".npz":
            ids, feature_names = _npz_labels(path, len(array))
        if feature_names is not None and model_input.features not in (None, len(feature_names)):
            raise ShapeError(
                f"{path.name}: `feature_names` has {len(feature_names)} names but the model takes "
                f"{model_input.features} features."
            )
        return cls(
            path,
            model_input,
            int(array.shape[0]),
            file_fingerprint("array", [path], {}),
            feature_names,
            ids,
        )

    def read(self, spec: ChunkSpec) -> SequenceChunk:
        # A memory map is opened per chunk and dropped after it: pages read stay counted in the
        # process's memory while the map lives, and a fleet can be larger than memory. Only a
        # compressed archive (no map possible) is kept whole, read once per process.
        array = self._array if self._array is not None else _open_array(self.path)
        if not isinstance(array, np.memmap):
            self._array = array
        rows = np.array(array[spec.start : spec.stop])
        del array
        ids = (
            np.arange(spec.start, spec.stop, dtype=np.int64)
            if self.ids is None
            else self.ids[spec.start : spec.stop]
        )
        inputs = self.model_input.check(
            rows, f"{self.path.name}, sequences {spec.start} to {spec.stop - 1}", ids
        )
        return SequenceChunk(spec=spec, ids=ids, inputs=inputs)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_array": None}  # workers map the file themselves


def _open_array(path: Path) -> np.ndarray:
    """``x`` of the file, memory-mapped when the bytes lie uncompressed on disk."""
    try:
        if path.suffix.lower() == ".npy":
            mapped = np.load(path, mmap_mode="r", allow_pickle=False)
            return mapped if isinstance(mapped, np.memmap) else np.asarray(mapped)
        mapped = _npz_member_memmap(path, "x")
        if mapped is not None:
            return mapped
        with np.load(path, allow_pickle=False) as archive:
            if "x" not in archive.files:
                raise ShapeError(
                    f"{path.name} holds arrays {sorted(archive.files)} but no `x`; a fleet archive "
                    "keeps its sequences in `x`."
                )
            return archive["x"]  # type: ignore[no-any-return]
    except RnnlensError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(
                f"{path.name} holds object (pickled) arrays, which rnnlens does not load because "
                "unpickling can run code. Save numeric arrays."
            ) from exc
        raise DataError(f"{path.name} cannot be read as NumPy data: {exc}") from exc
    except Exception as exc:  # zipfile / OSError / EOFError for damaged files
        raise DataError(f"{path.name} cannot be read as NumPy data: {exc}") from exc


def _npz_member_memmap(path: Path, key: str) -> np.ndarray | None:
    """``key`` of an ``.npz`` as a read-only memory map, or None when it is compressed or absent."""
    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo(f"{key}.npy")
        except KeyError:
            return None
        if info.compress_type != zipfile.ZIP_STORED:
            return None
    with path.open("rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        name_length = int.from_bytes(local[26:28], "little")
        extra_length = int.from_bytes(local[28:30], "little")
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            return None
        if dtype.hasobject:
            raise ValueError("object arrays need pickle")
        offset = handle.tell()
    return np.memmap(
        path, dtype=dtype, mode="r", shape=shape, order="F" if fortran else "C", offset=offset
    )


def _npz_labels(path: Path, n: int) -> tuple[np.ndarray | None, tuple[str, ...] | None]:
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        id_key = "sequence_ids" if "sequence_ids" in names else "ids" if "ids" in names else None
        ids = None if id_key is None else np.asarray(archive[id_key])
        features = archive["feature_names"] if "feature_names" in names else None
    if ids is not None:
        if ids.shape != (n,):
            raise ShapeError(
                f"{path.name}: `{id_key}` has shape {ids.shape}; expected one id per sequence, ({n},)."
            )
        if ids.dtype.kind not in "iuUS":
            raise DataError(f"{path.name}: `{id_key}` must hold integers or strings.")
        ids = ids.astype(np.int64) if ids.dtype.kind in "iu" else ids.astype(str)
    feature_names = None if features is None else tuple(str(name) for name in features.tolist())
    return ids, feature_names
