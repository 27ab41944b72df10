"""A fleet cut into chunks of consecutive sequences: the unit of work, of output files and of resumption."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlens.errors import OptionError, ShapeError

__all__ = ["ChunkSpec", "SequenceChunk", "check_chunk_size", "plan_fleet_chunks"]


@dataclass(frozen=True)
class ChunkSpec:
    """Sequences ``[start, stop)`` of the source, in source order; ``index`` names the part file."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """How many sequences the chunk holds."""
        return self.stop - self.start


@dataclass(frozen=True, eq=False)
class SequenceChunk:
    """The sequences of one chunk, exactly as the model's single input takes them.

    Attributes:
        spec: which chunk.
        ids: ``(n,)`` one id per sequence (strings or integers).
        inputs: ``(n, time, features)`` float32, or ``(n, time)`` integer token ids.
        mask: ``(n, time)`` True for real steps when the source padded short sequences, else None.
    """

    spec: ChunkSpec
    ids: np.ndarray
    inputs: np.ndarray
    mask: np.ndarray | None = None


def check_chunk_size(chunk_size: object) -> int:
    """``chunk_size`` as a positive int.

    Raises:
        OptionError: not an integer, or below 1.
    """
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, int | np.integer)
        or chunk_size < 1
    ):
        raise OptionError(
            f"Argument `chunk_size` (CLI --chunk-size) must be a positive integer, received "
            f"{chunk_size!r}."
        )
    return int(chunk_size)


def plan_fleet_chunks(n_sequences: int, chunk_size: int) -> list[ChunkSpec]:
    """Cut ``n_sequences`` into consecutive chunks of ``chunk_size`` (the last one may be shorter).

    Raises:
        ShapeError: no sequences. OptionError: a bad ``chunk_size``.

    Example:
        >>> [(c.index, c.start, c.stop) for c in plan_fleet_chunks(5, 2)]
        [(0, 0, 2), (1, 2, 4), (2, 4, 5)]
    """
    size = check_chunk_size(chunk_size)
    if n_sequences < 1:
        raise ShapeError("The data holds 0 sequences; a fleet needs at least one sequence.")
    return [
        ChunkSpec(index, start, min(start + size, n_sequences))
        for index, start in enumerate(range(0, n_sequences, size))
    ]
