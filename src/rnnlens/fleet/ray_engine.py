"""The Ray engine: a fleet explained by Ray Data, ``map_batches`` over an actor pool that holds the model.

Design. The Ray dataset holds the *pending chunk specs* (index, start, stop), one Ray batch per chunk, so a
sequence is never split between batches whatever the source format. Each actor builds one
:class:`~rnnlens.fleet.worker.ChunkWorker` (the model loaded once per actor, from its path, in safe mode
unless the run opted out), reads its chunk from the picklable source (Parquet shards, ``.npy``/``.npz``
memory-mapped: the reading happens in the actors, in parallel, in bounded memory) and returns the chunk's
rows as one Arrow IPC payload. The driver writes each chunk through :meth:`FleetStore.write
<rnnlens.fleet.store.FleetStore.write>`, exactly as the local engine does, so the manifest, the resume logic
and the files under OUT are the same whichever engine ran.

Errors. An actor never lets an exception reach Ray: it returns the pickled exception as data and the driver
raises it again, so the user sees the same ``rnnlens`` error (``ModelLoadError``, ``ShapeError``, ...) the
local engine raises, not a Ray traceback. Whatever Ray itself raises (a lost node, an unreachable
``ray_address``) becomes an :class:`~rnnlens.errors.RnnlensError` naming the cause; finished chunks stay
written, so a rerun resumes.

Ray is imported here only (the layering test enforces it), inside the functions, so ``import rnnlens`` does
not pay for it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import OptionError, RnnlensError

if TYPE_CHECKING:
    import pyarrow as pa

    from rnnlens.fleet.chunks import ChunkSpec
    from rnnlens.fleet.options import WorkerSpec
    from rnnlens.fleet.sources import SequenceSource
    from rnnlens.fleet.store import FleetStore

__all__ = ["run_ray"]

#: Environment variables the actors inherit from the driver, so they compute exactly what it would.
_INHERITED_ENV = ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES")


def run_ray(
    source: SequenceSource,
    pending: Sequence[ChunkSpec],
    spec: WorkerSpec,
    store: FleetStore,
    *,
    workers: int,
    ray_address: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Explain the ``pending`` chunks of ``source`` on Ray and write each one to ``store``.

    Without ``ray_address`` a local Ray is started with ``workers`` CPUs (no dashboard, quiet logs) and shut
    down at the end; if this process already runs Ray, that Ray is used and left running. With
    ``ray_address`` (``"ray://host:10001"``, ``"auto"``, ``"host:6379"``) rnnlens connects to that cluster;
    the model file and the data must then be readable at the same paths on its nodes.

    Args:
        source: where the sequences come from (picklable; each actor reopens its files).
        pending: the chunks still to do (see :meth:`FleetStore.pending`).
        spec: the model path and the work per sequence; one :class:`ChunkWorker` per actor.
        store: the OUT directory; written by this process only, one chunk at a time, as results arrive.
        workers: actors in the pool (each with 1 CPU).
        ray_address: an existing cluster to use, or None for a local Ray.
        on_progress: called with the number of sequences in each chunk written.

    Raises:
        OptionError: ``workers`` is not a positive integer, or Ray is not installed (``pip install
            'rnnlens[ray]'``). RnnlensError: Ray could not be started or reached, or failed while running;
            any rnnlens error an actor raised (ModelLoadError, DataError, ...) is raised again as it was.

    Example:
        >>> run_ray(source, pending, spec, store, workers=2)  # doctest: +SKIP
    """
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        raise OptionError(
            f"Argument `workers` (CLI --workers) must be a positive integer, received {workers!r}."
        )
    if not pending:
        return
    ray = _import_ray()
    with _ray_session(ray, int(workers), ray_address):
        for chunk_spec, rows in _explained_chunks(ray, source, pending, spec, int(workers)):
            store.write(chunk_spec, rows)
            if on_progress is not None:
                on_progress(chunk_spec.size)


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise OptionError(
            f"The Ray engine needs Ray Data ({exc}). Install it with `pip install 'rnnlens[ray]'`, or "
            "use the local engine (engine='local', CLI --engine local)."
        ) from None
    return ray


@contextlib.contextmanager
def _ray_session(ray: Any, workers: int, address: str | None) -> Iterator[None]:
    """Ray running for the duration: started (and shut down) here, or the caller's, or a cluster's."""
    started = False
    if not ray.is_initialized():
        # The driver's C++ core worker would print an error-level line on every run (Ray Data's actors keep
        # their constructor arguments in the object store and may restart); this leaves one info line.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        kwargs: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
        if address is None:  # a cluster's own settings are left alone
            kwargs.update(num_cpus=workers, include_dashboard=False)
        try:
            ray.init(address=address, **kwargs)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError, ...
            where = (
                f"the Ray cluster at {address!r}" if address else f"a local Ray with {workers} CPUs"
            )
            raise RnnlensError(
                f"Could not start or reach {where}: {type(exc).__name__}: {exc}. Check --ray-address (e.g. "
                "ray://host:10001 or auto), or leave it out to run a local Ray."
            ) from None
        started = True
    _quiet_ray_data(ray)
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def _quiet_ray_data(ray: Any) -> None:
    """No progress bars or execution banners from Ray Data: rnnlens shows its own progress."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _explained_chunks(
    ray: Any,
    source: SequenceSource,
    pending: Sequence[ChunkSpec],
    spec: WorkerSpec,
    workers: int,
) -> Iterator[tuple[ChunkSpec, pa.Table]]:
    """Run the actor pool over the pending chunks; yield each chunk's rows as it finishes (any order)."""
    from dataclasses import replace

    if (
        spec.threads is None
    ):  # each actor holds 1 CPU: one compute thread, as Ray sets OMP_NUM_THREADS
        spec = replace(spec, threads=1)
    by_index = {chunk.index: chunk for chunk in pending}
    items = [{"index": c.index, "start": c.start, "stop": c.stop} for c in pending]
    env = {name: os.environ[name] for name in _INHERITED_ENV if name in os.environ}
    results = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        ChunkActor,
        fn_constructor_args=(source, spec),
        batch_size=1,  # one chunk per call: a chunk is the unit of work, of files and of resumption
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=min(workers, len(items))),
        num_cpus=1,
        runtime_env={"env_vars": env} if env else None,
    )
    try:
        for batch in results.iter_batches(batch_size=None, batch_format="pyarrow"):
            for index, payload, error in zip(
                batch.column("chunk").to_pylist(),
                batch.column("rows").to_pylist(),
                batch.column("error").to_pylist(),
                strict=True,
            ):
                if error is not None:
                    raise pickle.loads(error)
                yield by_index[index], _table_from_ipc(payload)
    except RnnlensError:
        raise
    except Exception as exc:
        if type(exc).__module__.startswith("ray"):
            raise RnnlensError(
                f"Ray failed while explaining the fleet: {type(exc).__name__}: {_first_line(exc)}. "
                "Finished chunks are kept; rerun the same command to resume."
            ) from None
        raise


class ChunkActor:
    """The callable class of ``map_batches``: one per actor, holding one :class:`ChunkWorker`.

    Every call gets a batch of chunk specs (one, in practice) and returns, per chunk, its rows as an Arrow
    IPC payload, or the exception it raised, pickled, for the driver to raise (see the module docstring).
    A worker that could not be built (a model that does not load) reports its error for every chunk.

    Args:
        source: the sequence source (picklable).
        spec: what the worker needs.
    """

    def __init__(self, source: SequenceSource, spec: WorkerSpec) -> None:
        from rnnlens.fleet.worker import ChunkWorker

        self.source = source
        self.worker: ChunkWorker | None = None
        self.failure: bytes | None = None
        try:
            self.worker = ChunkWorker(spec)
        except Exception as exc:
            self.failure = _pickled_error(exc)

    def __call__(self, batch: dict[str, np.ndarray]) -> pa.Table:
        import pyarrow as pa

        from rnnlens.fleet.chunks import ChunkSpec

        payloads: list[bytes | None] = []
        errors: list[bytes | None] = []
        for index, start, stop in zip(batch["index"], batch["start"], batch["stop"], strict=True):
            chunk_spec = ChunkSpec(int(index), int(start), int(stop))
            payload, error = None, self.failure
            if error is None and self.worker is not None:
                try:
                    payload = _table_to_ipc(self.worker(self.source.read(chunk_spec)))
                except Exception as exc:
                    error = _pickled_error(exc)
            payloads.append(payload)
            errors.append(error)
        return pa.table(
            {
                "chunk": pa.array(np.asarray(batch["index"], dtype=np.int64)),
                "rows": pa.array(payloads, type=pa.large_binary()),
                "error": pa.array(errors, type=pa.large_binary()),
            }
        )


def _pickled_error(exc: BaseException) -> bytes:
    """``exc`` pickled without its traceback; an exception that does not pickle becomes an RnnlensError."""
    exc.__traceback__ = None
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
    except Exception:
        data = pickle.dumps(RnnlensError(f"{type(exc).__name__} in a Ray actor: {exc}"))
    return data


def _table_to_ipc(table: pa.Table) -> bytes:
    import pyarrow as pa

    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _table_from_ipc(payload: bytes) -> pa.Table:
    import pyarrow as pa

    with pa.ipc.open_stream(payload) as reader:
        return reader.read_all()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"
