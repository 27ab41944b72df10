"""``rnnlens.batch``: explain a whole fleet of sequences into a Parquet dataset, resumably."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rnnlens.errors import ModelLoadError, OptionError
from rnnlens.fleet.chunks import check_chunk_size, plan_fleet_chunks
from rnnlens.fleet.options import FleetOptions, WorkerSpec, check_tasks, target_to_dict
from rnnlens.fleet.summary import FleetSummary, summarize

__all__ = ["DEFAULT_CHUNK_SIZE", "ENGINES", "batch", "prepare_run"]

ENGINES = ("local", "ray")
DEFAULT_CHUNK_SIZE = 256


def batch(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    engine: str = "local",
    tasks: str | Sequence[str] = ("predict", "attribute"),
    method: str | None = None,
    background: str | os.PathLike[str] | None = None,
    target: Any = None,
    n_steps: int | None = None,
    seed: int = 0,
    top_k: int = 5,
    faithfulness: bool = True,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ray_address: str | None = None,
    safe_mode: bool = True,
    overwrite: bool = False,
    id_column: str | None = None,
    time_column: str | None = None,
    feature_columns: Sequence[str] | None = None,
    window: int | None = None,
    padding: str | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FleetSummary:
    """Predict, attribute and trace-summarize every sequence of ``data``; one Parquet row per sequence.

    Work is cut into chunks of ``chunk_size`` sequences; each finished chunk is written as
    ``OUT/part-NNNNNN.parquet`` and recorded in ``OUT/_manifest.json``, so a rerun after a crash (or
    ``kill -9``) computes only the missing chunks and ends with the same dataset as an uninterrupted run.
    ``pyarrow.dataset.dataset(OUT)`` reads the finished parts at any time. The row schema is described in
    :mod:`rnnlens.fleet.schema`; the summary in :mod:`rnnlens.fleet.summary`.

    Args:
        model: the model file (each worker loads it once, in Keras safe mode unless ``safe_mode=False``).
            Single-input models only.
        data: ``.npy`` / ``.npz`` (memory-mapped), a Parquet long table or a folder of Parquet shards (see
            :mod:`rnnlens.fleet.sources`).
        out: the output folder (created; its parent must exist).
        engine: ``"local"`` (processes on this machine) or ``"ray"`` (Ray Data; ``pip install
            rnnlens[ray]``).
        tasks: any of ``"predict"``, ``"attribute"``, ``"trace-summary"`` (a list or comma-separated text).
        method: attribution method (None: the recommended one with ``background``, else integrated
            gradients from zeros).
        background: a data file of reference sequences for the baselines.
        target: what to explain, as :func:`rnnlens.attribute` takes it (one target for every sequence).
        n_steps: integration steps of path methods.
        seed: seeds sampled methods (chunk ``i`` uses ``seed + i``).
        top_k: top contributions kept per sequence.
        faithfulness: score each sequence's ranking against random deletion orders.
        workers: processes (local) or actors (Ray); default the number of cores.
        chunk_size: sequences per chunk (and per part file).
        ray_address: an existing Ray cluster (default: start a local one with ``workers`` CPUs).
        safe_mode: Keras safe mode for the model file.
        overwrite: replace the results of a different run in ``out``.
        id_column, time_column, feature_columns, window, padding: long tables (see
            :func:`rnnlens.fleet.sources.open_source`).
        on_start: called once before the engine starts, with the number of sequences and how many
            of them earlier runs already finished (a resumed run).
        on_progress: called with the number of sequences of each chunk written.

    Returns:
        The :class:`~rnnlens.fleet.summary.FleetSummary` (also written to ``OUT/_summary.json``).

    With ``workers > 1`` the local engine starts processes with the ``spawn`` method, which imports the
    calling script again: call ``batch`` under ``if __name__ == "__main__":`` in scripts.

    Raises:
        OptionError: an unknown engine, task or method, bad counts, or a Keras model object instead of
            a file. DataError, ShapeError: unreadable data, 0 sequences, NaN, data that does not fit the
            model. UnsupportedLayerError: a multi-input model. OutputError: ``out`` holds another run
            (without ``overwrite``) or cannot be written. ModelLoadError: the model cannot be loaded.

    Example:
        >>> model.save(folder / "fleet.keras")
        >>> np.save(folder / "fleet_x.npy", x)
        >>> summary = rnnlens.batch(folder / "fleet.keras", folder / "fleet_x.npy", folder / "fleet_out",
        ...     tasks="predict", workers=1, chunk_size=2)
        >>> summary.n_sequences, sorted(p.name for p in (folder / "fleet_out").glob("part-*"))
        (4, ['part-000000.parquet', 'part-000001.parquet'])
    """
    from rnnlens.fleet.local import check_workers

    n_workers = check_workers(workers)
    run = prepare_run(
        model,
        data,
        out,
        engine=engine,
        options=FleetOptions(
            tasks=check_tasks(tasks),
            method=_method(method),
            target=target_to_dict(target),
            background=None if background is None else str(Path(background).resolve()),
            n_steps=n_steps,
            seed=seed,
            top_k=top_k,
            faithfulness=faithfulness,
        ),
        chunk_size=chunk_size,
        safe_mode=safe_mode,
        overwrite=overwrite,
        table_options={
            "id_column": id_column,
            "time_column": time_column,
            "feature_columns": feature_columns,
            "window": window,
            "padding": padding,
        },
    )
    source, pending, spec, store = run
    if on_start is not None:
        on_start(source.n_sequences, source.n_sequences - sum(chunk.size for chunk in pending))
    if engine == "local":
        from rnnlens.fleet.local import run_local

        run_local(source, pending, spec, store, workers=n_workers, on_progress=on_progress)
    else:
        from rnnlens.fleet.ray_engine import run_ray

        run_ray(
            source,
            pending,
            spec,
            store,
            workers=n_workers,
            ray_address=ray_address,
            on_progress=on_progress,
        )
    return summarize(store.out)


def prepare_run(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    engine: str,
    options: FleetOptions,
    chunk_size: int,
    safe_mode: bool,
    overwrite: bool,
    table_options: dict[str, Any],
) -> tuple[Any, list[Any], WorkerSpec, Any]:
    """Everything before the engine runs: checks, the source, the store, the chunks still to do.

    Returns:
        ``(source, pending chunks, worker spec, store)``.
    """
    import rnnlens
    from rnnlens.fleet.sources import input_format, open_source
    from rnnlens.fleet.store import FleetStore

    if engine not in ENGINES:
        raise OptionError(
            f"Argument `engine` (CLI --engine) must be one of {list(ENGINES)}, received {engine!r}."
        )
    if not isinstance(model, str | os.PathLike):
        raise OptionError(
            f"Argument `model` must be the path of a .keras / .h5 file, received "
            f"{type(model).__name__}: every worker loads the model from its file. Save it first "
            "(model.save('model.keras'))."
        )
    size = check_chunk_size(chunk_size)
    model_path = Path(model).resolve()
    keras_model = rnnlens.load_model(model_path, safe_mode=safe_mode)
    source = open_source(data, input_format(keras_model), **table_options)
    del keras_model
    chunks = plan_fleet_chunks(source.n_sequences, size)
    description = {
        "model": str(model_path),
        "data": str(Path(data).resolve()),
        "source": source.description,
        "n_sequences": source.n_sequences,
        "chunk_size": size,
        "n_chunks": len(chunks),
        "feature_names": None if source.feature_names is None else list(source.feature_names),
        "tasks": list(options.tasks),
        "options": options.to_dict(),
    }
    identity = {
        "model": _file_digest(model_path),
        "source": source.fingerprint,
        "background": None
        if options.background is None
        else _file_digest(Path(options.background)),
        "options": options.to_dict(),
        "chunk_size": size,
        "safe_mode": safe_mode,
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    store = FleetStore(out, fingerprint, run=description, overwrite=overwrite)
    spec = WorkerSpec(
        model_path=str(model_path),
        safe_mode=safe_mode,
        options=options,
        feature_names=source.feature_names,
    )
    return source, store.pending(chunks), spec, store


def _method(method: str | None) -> str | None:
    if method is None:
        return None
    from rnnlens.attribution.registry import method_info

    return method_info(method).name  # raises OptionError for an unknown name


def _file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (model files are small next to a fleet's data)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ModelLoadError(f"Cannot read {str(path)!r}: {exc.strerror}.") from exc
    return digest.hexdigest()
