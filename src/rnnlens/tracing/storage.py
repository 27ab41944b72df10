"""Trace files: ``.npz`` for small traces, HDF5 (``.h5``) for large ones, streamed chunk by chunk.

Both carry the same JSON metadata and the same array names: ``layers/<i>/values/<quantity>``,
``layers/<i>/initial/<state>`` and ``layers/<i>/mask``. HDF5 datasets are stored contiguously, so a trace
larger than memory can be opened as read-only memory maps (``Trace.load(path, mmap=True)``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens._atomic import atomic_path
from rnnlens.errors import DataError, OutputError

if TYPE_CHECKING:
    from rnnlens.tracing.result import LayerTrace, Trace

__all__ = ["FORMAT", "TraceContents", "TraceFileWriter", "read_trace", "save_trace"]

FORMAT = "rnnlens.trace"
VERSION = 1
_H5 = (".h5", ".hdf5")
_METADATA_MARGIN = 2**16  # superblock, object headers, attributes


def save_trace(trace: Trace, path: str | os.PathLike[str]) -> Path:
    """Write ``trace`` to ``path`` (``.npz`` or ``.h5``) atomically."""
    target = Path(path)
    suffix = _suffix(target, (".npz", *_H5))
    meta = _meta(trace.model, trace.backend, [layer.metadata() for layer in trace.layers])
    if suffix == ".npz":
        arrays: dict[str, Any] = {"__meta__": np.array(json.dumps(meta))}
        for i, layer in enumerate(trace.layers):
            arrays.update(_layer_arrays(i, layer))
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        return target
    writer = TraceFileWriter(
        target, trace.model, trace.backend, [t.metadata() for t in trace.layers]
    )
    with writer:
        n = trace.layers[0].n_samples if trace.layers else 0
        writer.write(0, n, [_part_payload(layer) for layer in trace.layers])
    return target


def read_trace(path: str | os.PathLike[str], *, mmap: bool = False) -> TraceContents:
    """Read a trace file written by :func:`save_trace` or :class:`TraceFileWriter`.

    Returns the file's contents as plain values; :meth:`rnnlens.tracing.Trace.load` builds the trace from
    them (so the file format never needs the result classes, and the two modules import one way only).
    """
    source = Path(path)
    if not source.is_file():
        raise DataError(f"Trace file {str(source)!r} does not exist.")
    suffix = _suffix(source, (".npz", *_H5))
    if suffix == ".npz":
        try:
            with np.load(source, allow_pickle=False) as data:
                meta = _read_meta(str(data["__meta__"]), source)
                arrays = {name: data[name] for name in data.files if name != "__meta__"}
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"Could not read {source.name} as an rnnlens trace: {exc}") from exc
        return _contents(meta, arrays.__getitem__)
    import h5py

    try:
        handle = h5py.File(source, "r")
    except Exception as exc:
        raise DataError(f"Could not read {source.name} as an HDF5 trace: {exc}") from exc
    with handle:
        raw = handle.attrs.get("rnnlens_trace")
        if raw is None:
            raise DataError(
                f"{source.name} is an HDF5 file but not an rnnlens trace (no metadata)."
            )
        meta = _read_meta(raw if isinstance(raw, str) else raw.decode("utf-8"), source)

        def read(name: str) -> np.ndarray:
            dataset = handle[name]
            offset = dataset.id.get_offset() if mmap else None
            if offset is not None and dataset.chunks is None and dataset.size:
                return np.memmap(
                    source, dtype=dataset.dtype, mode="r", offset=offset, shape=dataset.shape
                )
            return np.asarray(dataset[()])

        return _contents(meta, read)


class TraceFileWriter:
    """Stream a trace into an HDF5 file, one batch chunk at a time; the file appears only when complete.

    Example:
        >>> with TraceFileWriter(path, "model", "tensorflow", metadata) as writer:  # doctest: +SKIP
        ...     writer.write(0, 256, parts)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        model: str,
        backend: str,
        layers: list[dict[str, Any]],
        n_samples: int | None = None,
    ) -> None:
        self.path = Path(path)
        _suffix(self.path, _H5)
        self._meta = _meta(model, backend, layers)
        self._n_samples = n_samples
        self._stack: contextlib.ExitStack[Any] = contextlib.ExitStack()
        self._file: Any = None
        self._tmp = self.path
        self._datasets: dict[str, Any] = {}

    def __enter__(self) -> TraceFileWriter:
        import h5py

        # Unwound in reverse: the HDF5 file closes first, and a failure to close it (a full disk) reaches
        # the atomic write as a failure, so the temporary file is dropped and the target stays as it was.
        with contextlib.ExitStack() as stack:
            self._tmp = stack.enter_context(atomic_path(self.path))
            self._file = h5py.File(self._tmp, "w")
            stack.callback(self._close)
            self._file.attrs["rnnlens_trace"] = json.dumps(self._meta)
            self._stack = stack.pop_all()
        return self

    def write(self, start: int, stop: int, parts: Sequence[Mapping[str, np.ndarray]]) -> None:
        """Write samples ``start:stop`` of every part (one mapping of array name -> array per layer trace).

        Raises:
            OutputError: the disk cannot hold the whole trace (checked once, before the first byte of data).
        """
        total = self._n_samples if self._n_samples is not None else stop
        if not self._datasets:
            self._check_space(total, parts)
        for i, payload in enumerate(parts):
            for name, array in payload.items():
                key = f"layers/{i}/{name}"
                if key not in self._datasets:
                    self._datasets[key] = self._file.create_dataset(
                        key, shape=(total, *array.shape[1:]), dtype=array.dtype
                    )
                # One contiguous copy at a time: the chunk's other quantities stay views.
                self._datasets[key][start:stop] = np.ascontiguousarray(array)

    def _check_space(self, total: int, parts: Sequence[Mapping[str, np.ndarray]]) -> None:
        """Refuse, before any data is written, a trace the disk cannot hold.

        HDF5 cannot recover from a write that fails half-way: a full disk corrupts its caches and can crash
        the process at exit. So the size the whole file needs is checked against the free space first.
        """
        size = _METADATA_MARGIN + sum(
            total * int(np.prod(array.shape[1:], dtype=np.int64)) * array.dtype.itemsize + 4096
            for payload in parts
            for array in payload.values()
        )
        free = shutil.disk_usage(self._tmp.parent).free
        if size > free:
            raise OutputError(
                f"Could not write {str(self.path)!r}: the trace needs about {size / 2**20:,.1f} MB and "
                f"only {free / 2**20:,.1f} MB are free. Free some space, trace fewer samples or "
                "quantities (--quantity), or write elsewhere. Nothing was written."
            )

    def __exit__(self, *exc: Any) -> bool:
        return bool(self._stack.__exit__(*exc))

    def _close(self) -> None:
        self._datasets.clear()
        try:
            self._file.close()
        except Exception:
            # A file HDF5 could not flush stays open and is retried at exit. It is discarded anyway:
            # free its space so that the second close (and any retry) can succeed.
            with contextlib.suppress(OSError):
                os.truncate(self._tmp, 0)
            with contextlib.suppress(Exception):
                self._file.close()
            raise


def _part_payload(layer: LayerTrace) -> dict[str, np.ndarray]:
    payload = {f"values/{q}": np.asarray(a) for q, a in layer.values.items()}
    payload.update({f"initial/{s}": np.asarray(a) for s, a in layer.initial_states.items()})
    payload["mask"] = np.asarray(layer.mask)
    return payload


def _layer_arrays(i: int, layer: LayerTrace) -> dict[str, np.ndarray]:
    return {f"layers/{i}/{name}": array for name, array in _part_payload(layer).items()}


def _meta(model: str, backend: str, layers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": model,
        "backend": backend,
        "layers": layers,
    }


def _read_meta(text: str, source: Path) -> dict[str, Any]:
    try:
        meta = json.loads(text)
    except ValueError as exc:
        raise DataError(f"{source.name} has unreadable trace metadata: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DataError(f"{source.name} is not an rnnlens trace file.")
    if meta.get("version") != VERSION:
        raise DataError(
            f"{source.name} is an rnnlens trace of version {meta.get('version')}; this rnnlens reads "
            f"version {VERSION}."
        )
    return meta


@dataclass(frozen=True)
class TraceContents:
    """What a trace file holds: the model and backend names and, per layer trace, the keyword arguments of
    :class:`~rnnlens.tracing.LayerTrace` (arrays included)."""

    model: str
    backend: str
    layers: tuple[dict[str, Any], ...]


def _contents(meta: dict[str, Any], read: Any) -> TraceContents:
    layers = []
    for i, info in enumerate(meta["layers"]):
        fields = {
            k: v
            for k, v in info.items()
            if k not in ("quantities", "initial_states", "axes", "state_names", "gate_names")
        }
        layers.append(
            {
                **fields,
                "values": {q: read(f"layers/{i}/values/{q}") for q in info["quantities"]},
                "initial_states": {
                    s: read(f"layers/{i}/initial/{s}") for s in info["initial_states"]
                },
                "mask": read(f"layers/{i}/mask").astype(bool, copy=False),
                "state_names": tuple(info["state_names"]),
                "gate_names": tuple(info["gate_names"]),
                "axes": tuple(info["axes"]),
            }
        )
    return TraceContents(model=meta["model"], backend=meta["backend"], layers=tuple(layers))


def _suffix(path: Path, allowed: tuple[str, ...]) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise DataError(
            f"Trace files must end in {' or '.join(allowed)}, received {str(path)!r}. Use .npz for small "
            "traces and .h5 for large ones (streamed, memory-mappable)."
        )
    return suffix
