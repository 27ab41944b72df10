"""``trace`` and ``trace_to_file``: exact hidden states, cell states and gates of a model's recurrent layers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens import backends
from rnnlens.errors import MemoryBudgetError
from rnnlens.tracing.chunking import check_batch_size, check_memory_budget
from rnnlens.tracing.result import Trace
from rnnlens.tracing.session import Session
from rnnlens.tracing.storage import TraceFileWriter

__all__ = ["trace", "trace_to_file"]


def trace(
    model: Any,
    inputs: Any,
    layers: str | Sequence[str] | None = None,
    *,
    quantities: str | Sequence[str] | None = None,
    batch_size: int | None = None,
    memory_budget_mb: float | None = 2048.0,
) -> Trace:
    """Trace every recurrent layer of ``model`` on ``inputs``: hidden states, cell states and every gate.

    The cells are recomputed from the layers' weights inside one compiled function (``tf.function`` /
    ``jax.jit``), replaying the model's own graph: masks, ``initial_state`` handed from another layer,
    ``go_backwards``, ``Bidirectional`` halves, stacked and nested layers are taken as Keras runs them. The
    traced hidden state equals Keras's own layer output (tested to 1e-5). Stateful layers are traced from
    their current stored states, which are left unchanged.

    Args:
        model: a ``keras.Model`` (Functional or Sequential) or the path of a ``.keras`` / ``.h5`` file.
        inputs: ``(batch, time, features)`` array (``(batch, time)`` token ids for Embedding models), a list
            with one array per model input, a dict keyed by input name, or
            :class:`rnnlens.validation.PreparedInputs`.
        layers: recurrent layer name(s) to record (default: all). Other recurrent layers still run when
            the chosen ones depend on them (an encoder feeding a decoder's initial state).
        quantities: quantity names to keep besides ``hidden`` (e.g. ``["cell_state", "forget_gate"]``);
            default all.
        batch_size: samples per compiled call; default: as many as ``memory_budget_mb`` allows.
        memory_budget_mb: bound on the memory the result and one chunk's working set take; ``None``:
            no bound. For traces larger than memory use :func:`trace_to_file`.

    Returns:
        A :class:`Trace`: one :class:`LayerTrace` per layer (per direction, per stacked cell) with arrays
        ``(batch, time, unit)`` in the input's time order.

    Raises:
        ShapeError: wrong rank, feature count or batch size.
        DataError: NaN / inf or non-numeric inputs.
        TargetError: ``layers`` names a layer that does not exist, or ``quantities`` an unknown quantity.
        OptionError: ``layers`` or ``quantities`` is not a name or a list of names; ``batch_size`` is not a
            positive integer, or ``memory_budget_mb`` not a finite positive number (or None).
        UnsupportedLayerError: the model has no traceable recurrent layer, or ``layers`` names a layer
            that is not recurrent.
        MemoryBudgetError: the trace would exceed ``memory_budget_mb``.

    Example:
        >>> result = rnnlens.trace(model, x)
        >>> result["lstm"].gates["forget_gate"].shape  # (batch, time, unit)
        (4, 6, 3)
    """
    check_batch_size(batch_size)
    check_memory_budget(memory_budget_mb)
    session = Session.open(model, inputs, layers, quantities)
    result_bytes = session.n_samples * session.bytes_per_sample(with_inputs=False)
    if memory_budget_mb is not None and result_bytes > memory_budget_mb * 2**20:
        raise MemoryBudgetError(
            f"The trace of {session.n_samples} samples would take {result_bytes / 2**20:.0f} MB, more than "
            f"memory_budget_mb={memory_budget_mb}. Stream it to disk with "
            "rnnlens.trace_to_file(model, inputs, 'trace.h5'), keep fewer `quantities` or `layers`, or "
            "raise the budget (None for no bound)."
        )
    work_mb = None
    if memory_budget_mb is not None:
        work_mb = max(memory_budget_mb - result_bytes / 2**20, memory_budget_mb / 4)
    buffers: list[dict[str, np.ndarray]] = []
    for start, stop, blocks in session.chunks(batch_size, work_mb):
        if start == 0 and stop == session.n_samples:
            buffers = blocks  # one chunk: keep the arrays as they came back, no copy
            break
        if not buffers:
            buffers = [
                {
                    name: np.empty((session.n_samples, *a.shape[1:]), a.dtype)
                    for name, a in b.items()
                }
                for b in blocks
            ]
        for buffer, block in zip(buffers, blocks, strict=True):
            for name, array in block.items():
                buffer[name][start:stop] = array
    return session.build(buffers)


def trace_to_file(
    model: Any,
    inputs: Any,
    path: str | os.PathLike[str],
    layers: str | Sequence[str] | None = None,
    *,
    quantities: str | Sequence[str] | None = None,
    batch_size: int | None = None,
    memory_budget_mb: float | None = 512.0,
) -> Path:
    """Trace like :func:`trace` but stream the result, chunk by chunk, into an HDF5 file.

    Memory stays near ``memory_budget_mb`` however many samples there are: only one chunk of inputs and
    traces is held at a time. ``inputs`` may be memory-mapped (``np.load(..., mmap_mode="r")``); each chunk
    is validated as it is read. Open the result with ``Trace.load(path, mmap=True)``.

    Args:
        model, inputs, layers, quantities, batch_size: as for :func:`trace`.
        path: the ``.h5`` file to write (atomically: it appears only when complete).
        memory_budget_mb: bound on one chunk's working set.

    Returns:
        The path written.

    Raises:
        As :func:`trace`; DataError for a path that does not end in ``.h5``.

    Example:
        >>> np.save(folder / "x.npy", x)
        >>> inputs = np.load(folder / "x.npy", mmap_mode="r")  # read chunk by chunk, never whole
        >>> path = rnnlens.trace_to_file(model, inputs, folder / "trace.h5")
        >>> rnnlens.Trace.load(path)["lstm"].gates["forget_gate"].shape
        (4, 6, 3)
    """
    check_batch_size(batch_size)
    check_memory_budget(memory_budget_mb)
    session = Session.open(model, inputs, layers, quantities)
    writer = TraceFileWriter(
        path, session.model_name, backends.name(), session.metadata(), session.n_samples
    )
    with writer:
        for start, stop, blocks in session.chunks(batch_size, memory_budget_mb):
            writer.write(start, stop, blocks)
    return Path(path)
