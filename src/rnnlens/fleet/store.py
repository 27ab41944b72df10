"""The OUT folder of a fleet run: Parquet parts, a manifest of finished chunks, the summary.

Layout::

    OUT/part-000000.parquet ...   one per finished chunk (rows of chunk i), written atomically
    OUT/_manifest.json            the run's fingerprint and description, and the finished chunk indices
    OUT/_summary.json             the fleet summary (rnnlens.fleet.summary)

Names starting with ``_`` or ``.`` (the manifest, the summary, temporary files of writes in progress) are
skipped by ``pyarrow.dataset.dataset(OUT)``, so the folder always reads as a clean dataset holding only
finished parts. A part is renamed into place only when complete, and only the run named by the manifest
writes parts beside it, so a rerun of the same run counts every part present as finished (also one a crash
kept out of the manifest's list); a different run is refused, or with ``overwrite`` clears the parts
before it replaces the manifest.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnlens._atomic import atomic_path, remove_stale_temporaries, write_text_atomic
from rnnlens.errors import DataError, OutputError
from rnnlens.fleet.chunks import ChunkSpec

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "MANIFEST_NAME",
    "SUMMARY_NAME",
    "FleetStore",
    "is_part_name",
    "part_name",
    "read_manifest",
]

MANIFEST_NAME = "_manifest.json"
SUMMARY_NAME = "_summary.json"
_PART = re.compile(r"part-\d{6,}\.parquet")


def part_name(index: int) -> str:
    """The file name of chunk ``index``'s rows.

    Example:
        >>> part_name(7)
        'part-000007.parquet'
    """
    return f"part-{index:06d}.parquet"


def is_part_name(name: str) -> bool:
    """Whether ``name`` is a part file's name (see :func:`part_name`)."""
    return _PART.fullmatch(name) is not None


def read_manifest(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of the fleet run in ``out``.

    Raises:
        DataError: ``out`` holds no fleet run, or its manifest is damaged.
    """
    path = Path(out) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"{str(out)!r} holds no fleet run (no {MANIFEST_NAME}); write one with `rnnlens batch`."
        ) from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is damaged and cannot be read: {exc}") from exc
    if not isinstance(data, dict) or "fingerprint" not in data:
        raise DataError(f"{path} is not an rnnlens fleet manifest.")
    return data


class FleetStore:
    """The OUT folder of one run: refuses another run's folder, records finished chunks, writes parts.

    Args:
        out: the folder; created when the first part is written (its parent must exist).
        fingerprint: identifies the run (model, data, options, chunking).
        run: a JSON-able description of the run kept in the manifest (feature names, tasks, ...).
        overwrite: replace a different run's results in ``out``.

    Raises:
        OutputError: ``out`` holds a different run (and ``overwrite`` is False), files rnnlens did not
            write, or cannot be created.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        fingerprint: str,
        *,
        run: Mapping[str, Any] | None = None,
        overwrite: bool = False,
    ) -> None:
        self.out = Path(out)
        self.fingerprint = fingerprint
        self.run = dict(run or {})
        self._finished: set[int] = set()
        # Nothing is written before the first part is: a run that fails on its first chunk (a bad target,
        # NaN in the data) leaves OUT as it found it.
        self._ready = False
        self._replaced: list[str] = []
        self._prepare(overwrite)

    @property
    def manifest_path(self) -> Path:
        """``OUT/_manifest.json``."""
        return self.out / MANIFEST_NAME

    @property
    def finished(self) -> frozenset[int]:
        """The indices of finished chunks."""
        return frozenset(self._finished)

    def pending(self, chunks: Sequence[ChunkSpec]) -> list[ChunkSpec]:
        """The chunks still to compute, in order."""
        return [chunk for chunk in chunks if chunk.index not in self._finished]

    def write(self, spec: ChunkSpec, rows: pa.Table) -> None:
        """Write chunk ``spec``'s rows as its part (atomically), then record it in the manifest."""
        import pyarrow.parquet as pq

        self._make_ready()
        with atomic_path(self.out / part_name(spec.index)) as tmp:
            pq.write_table(rows, tmp, compression="zstd")
        self._finished.add(spec.index)
        self._write_manifest()

    def _prepare(self, overwrite: bool) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(
                f"OUT {str(self.out)!r} exists and is not a folder; choose another path."
            )
        if not self.out.exists():
            if not self.out.parent.is_dir():
                raise OutputError(
                    f"Cannot create OUT {str(self.out)!r}: the folder {str(self.out.parent)!r} does not "
                    "exist. Create it first."
                )
            return
        entries = [name for name in os.listdir(self.out) if not name.startswith(".")]
        foreign = [name for name in entries if not _ours(name)]
        if foreign:
            raise OutputError(
                f"OUT {str(self.out)!r} holds files rnnlens did not write ({sorted(foreign)[:3]}); a "
                "fleet dataset must hold only its own parts. Choose an empty or new folder."
            )
        if not entries:
            return
        try:
            manifest = read_manifest(self.out)
        except DataError:
            manifest = None
        if manifest is not None and manifest["fingerprint"] == self.fingerprint:
            # A part under its final name is complete (it was renamed into place), and only this run
            # writes parts next to this manifest: it counts as finished even when a crash came before
            # the manifest named it.
            self._finished = {int(name[5:-8]) for name in entries if _PART.fullmatch(name)}
            self._ready = True
            return
        if not overwrite:
            raise OutputError(
                f"OUT {str(self.out)!r} holds the results of a different run (other model, data, "
                "options or chunk size). Pass overwrite=True (CLI --overwrite) to replace them, or "
                "choose another folder."
            )
        self._replaced = entries

    def _make_ready(self) -> None:
        """Create OUT, or clear the run it replaces, and write the manifest: once, before the first part."""
        if self._ready:
            return
        try:
            self.out.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"Cannot create OUT {str(self.out)!r}: {exc.strerror}.") from exc
        # Parts first, the manifest last: a crash in between leaves the old manifest, never old parts
        # next to the new one.
        for name in sorted(self._replaced, key=lambda entry: entry == MANIFEST_NAME):
            (self.out / name).unlink(missing_ok=True)
        self._replaced = []
        self._write_manifest()
        self._ready = True

    def _write_manifest(self) -> None:
        remove_stale_temporaries(self.manifest_path)
        write_text_atomic(
            self.manifest_path,
            json.dumps(
                {
                    "fingerprint": self.fingerprint,
                    "run": self.run,
                    "finished": sorted(self._finished),
                },
                indent=1,
            ),
        )


def _ours(name: str) -> bool:
    return name in (MANIFEST_NAME, SUMMARY_NAME) or _PART.fullmatch(name) is not None
