"""The local engine: chunks computed by ``workers`` processes, parts written by the parent as they finish.

The parent holds only the chunks in flight (at most two per worker) and writes each part as soon as it
arrives, so memory does not grow with the fleet. Workers are started with the ``spawn`` method (TensorFlow is
not fork-safe); each builds one :class:`~rnnlens.fleet.worker.ChunkWorker` (the model is loaded once per
process) and reads its own chunks from the source. ``workers=1`` runs in this process, without a pool.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rnnlens.errors import OptionError, RnnlensError
from rnnlens.fleet.chunks import ChunkSpec
from rnnlens.fleet.options import WorkerSpec

if TYPE_CHECKING:
    import pyarrow as pa

    from rnnlens.fleet.sources import SequenceSource
    from rnnlens.fleet.store import FleetStore
    from rnnlens.fleet.worker import ChunkWorker

__all__ = ["check_workers", "default_workers", "run_local"]

_worker: ChunkWorker | None = None
_source: SequenceSource | None = None
_failure: BaseException | None = None  # why this process's worker could not start, raised per chunk


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def check_workers(workers: object) -> int:
    """``workers`` as a positive int (None: :func:`default_workers`).

    Raises:
        OptionError: not a positive integer.
    """
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise OptionError(
            f"Argument `workers` (CLI --workers) must be a positive integer, received {workers!r}."
        )
    return workers


def run_local(
    source: SequenceSource,
    pending: Sequence[ChunkSpec],
    spec: WorkerSpec,
    store: FleetStore,
    *,
    workers: int,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Compute ``pending`` chunks of ``source`` and write each one's rows to ``store``.

    Args:
        source: where the sequences come from.
        pending: the chunks to compute (any order; parts are named by chunk index).
        spec: what each worker computes; ``spec.threads`` None gives each worker ``cores // workers``.
        store: where finished parts go.
        workers: processes; 1 computes in this process.
        on_progress: called with the number of sequences of each chunk written.
    """
    workers = check_workers(workers)
    if not pending:
        return
    if workers == 1 or len(pending) == 1:
        from rnnlens.fleet.worker import ChunkWorker

        worker = ChunkWorker(spec)
        for chunk in pending:
            store.write(chunk, worker(source.read(chunk)))
            if on_progress is not None:
                on_progress(chunk.size)
        return
    _run_pool(source, pending, spec, store, min(workers, len(pending)), on_progress)


def _run_pool(
    source: SequenceSource,
    pending: Sequence[ChunkSpec],
    spec: WorkerSpec,
    store: FleetStore,
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool
    from dataclasses import replace

    if spec.threads is None:
        spec = replace(spec, threads=max(1, default_workers() // workers))
    queue = list(reversed(pending))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(spec, source),
    ) as pool:
        running: dict[Future[pa.Table], ChunkSpec] = {}
        try:
            while queue or running:
                while queue and len(running) < 2 * workers:
                    chunk = queue.pop()
                    running[pool.submit(_compute, chunk)] = chunk
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: running[f].index):
                    chunk = running.pop(future)
                    store.write(chunk, future.result())
                    if on_progress is not None:
                        on_progress(chunk.size)
        except BrokenProcessPool as exc:
            raise RnnlensError(
                "A fleet worker process died (killed by the system, often for lack of memory). The "
                f"finished chunks are kept in {str(store.out)!r}: rerun the same command to resume, "
                "with fewer workers or a smaller chunk size."
            ) from exc
        except BaseException:
            # Stop at once: queued chunks are dropped, the ones running finish with the pool.
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _start_worker(spec: WorkerSpec, source: SequenceSource) -> None:
    """Pool initializer: one model per process."""
    global _worker, _source, _failure
    from rnnlens.fleet.worker import ChunkWorker, limit_threads

    limit_threads(spec.threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # A failing initializer breaks the pool and loses the error; keep it for the first chunk to raise.
    try:
        _worker, _source = ChunkWorker(spec), source
    except Exception as exc:
        _failure = exc


def _compute(chunk: ChunkSpec) -> Any:
    if _failure is not None:
        raise _failure
    if _worker is None or _source is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("fleet worker process not initialised")
    return _worker(_source.read(chunk))
