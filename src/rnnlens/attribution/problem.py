"""One batch made ready for explaining: the public way to prepare what attribution methods evaluate.

:func:`prepare_problem` validates the inputs, maps them to attribution space (token inputs at the output of
their Embedding), evaluates the model once, resolves the target and the baselines, and returns a
:class:`Problem`. Attribution methods start from it, and so do the faithfulness metrics of
:mod:`rnnlens.quality`, which perturb the same space.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.attribution.baselines import (
    background_baseline,
    prepare_background,
    resolve_baselines,
)
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.engine import Engine
from rnnlens.attribution.labels import InputLabels
from rnnlens.attribution.memory import data_steps
from rnnlens.attribution.targets import ResolvedTarget, resolve_target
from rnnlens.loading import ensure_model
from rnnlens.validation import prepare_inputs

__all__ = ["Problem", "prepare_problem"]


@dataclass(frozen=True, eq=False)
class Problem:
    """One batch made ready for a method: everything in attribution space, rows sample-major.

    Attributes:
        engine: the model's :class:`~rnnlens.attribution.engine.Engine` (input slots, compiled
            evaluations); its ``slots`` line up with every per-input list below.
        arrays: the validated inputs, one per model input, ``(samples, ...)`` as the model takes them.
        space: per input, ``(samples, time, features | embedding_dim)`` float32 in attribution space.
        tokens: the token-id arrays of token inputs, fed unchanged so masks still come from the real ids.
        masks: per input, ``(samples, time)`` booleans False at padded tokens, or None.
        outputs: every model output on ``arrays``, ``(samples, ...)``.
        target: the resolved target; ``target.weights`` has one row per (sample, output step).
        baselines: per input, like ``space``: what a removed cell becomes.
        memory_budget_mb, internal_batch_size: how evaluations are chunked (see :meth:`chunk`).
        labels: the names the inputs came with (a :class:`rnnlens.data.Dataset`'s feature names,
            sequence ids, timestamps, vocabulary).
        background: per input, ``(n, time, features | embedding_dim)`` float32 reference samples in
            attribution space, or None when no ``background`` was given.
    """

    arrays: list[np.ndarray]
    space: list[np.ndarray]
    tokens: list[np.ndarray]
    masks: list[np.ndarray | None]
    outputs: list[np.ndarray]
    target: ResolvedTarget
    baselines: list[np.ndarray]
    memory_budget_mb: float
    internal_batch_size: int | None
    labels: InputLabels
    engine: Engine
    background: list[np.ndarray] | None = None

    @property
    def n_rows(self) -> int:
        """Rows to explain (samples x output steps)."""
        return self.target.n_rows

    def chunk(self, n_rows: int, engine: Engine | None = None, *, gradients: bool = True) -> int:
        """Rows per compiled call for ``n_rows`` evaluations (``engine`` defaults to the problem's).

        ``gradients=False`` sizes forward-only evaluations (outputs, target values), which keep far less.
        """
        engine = engine if engine is not None else self.engine
        return engine.chunk_size(
            n_rows,
            gradients=gradients,
            steps=data_steps(self.arrays),
            internal_batch_size=self.internal_batch_size,
            memory_budget_mb=self.memory_budget_mb,
        )


def prepare_problem(
    model: Any,
    inputs: Any,
    target: Any = None,
    baselines: Any = None,
    *,
    internal_batch_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    background: Any = None,
) -> Problem:
    """Validate a batch and make it ready to explain: attribution space, outputs, target, baselines.

    Args:
        model: a built ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, a list / dict with one
            array per model input, or a :class:`rnnlens.data.Dataset`.
        target: ``k``, ``(t, k)``, ``"predicted"`` or a :class:`~rnnlens.attribution.Target`.
        baselines: what a removed cell becomes (default zeros); see
            :class:`~rnnlens.attribution.Baseline`.
        internal_batch_size: at most this many rows per compiled call.
        memory_budget_mb: sizes the compiled calls when ``internal_batch_size`` is None.
        background: reference data from the training distribution (see
            :func:`~rnnlens.attribution.baselines.prepare_background`). Without ``baselines`` its
            per-feature mean is the baseline (:func:`~rnnlens.attribution.baselines.background_baseline`).

    Returns:
        A :class:`Problem`.

    Raises:
        ModelLoadError: the path cannot be loaded. ShapeError, DataError: bad inputs or baselines.
        TargetError: a bad target. OptionError: a bad batch size or memory budget. ShapeError, DataError
            naming ``background``: bad background data.

    Example:
        >>> problem = prepare_problem(model, x, target=(5, 0))
        >>> problem.n_rows, problem.target.description
        (4, "output 'head', step 5, unit 0")
    """
    model = ensure_model(model)
    engine = Engine.for_model(model)
    labels = InputLabels()
    if _is_dataset(inputs):
        labels = InputLabels.from_dataset(inputs)
        inputs = inputs.arrange(model)
    arrays = prepare_inputs(model, inputs)
    space = engine.to_space(arrays)
    tokens = engine.token_arrays(arrays)
    size = engine.chunk_size(
        len(arrays[0]),
        gradients=False,
        steps=data_steps(arrays),
        internal_batch_size=internal_batch_size,
        memory_budget_mb=memory_budget_mb,
    )
    outputs = engine.outputs(space, tokens, size)
    resolved = resolve_target(target, outputs, engine.output_names)
    reference = prepare_background(model, background) if background is not None else None
    if reference is not None and baselines is None:
        baselines = background_baseline(reference)
    return Problem(
        arrays=arrays,
        space=space,
        tokens=tokens,
        masks=engine.masks(arrays),
        outputs=outputs,
        target=resolved,
        baselines=resolve_baselines(
            baselines, engine, arrays, space, target=resolved, outputs=outputs
        ),
        memory_budget_mb=memory_budget_mb,
        internal_batch_size=internal_batch_size,
        labels=labels,
        engine=engine,
        background=engine.to_space(reference) if reference is not None else None,
    )


def _is_dataset(inputs: Any) -> bool:
    """Is ``inputs`` a :class:`rnnlens.data.Dataset`? Looked up without importing ``rnnlens.data`` (and
    pandas with it): if that module was never imported, no Dataset can exist."""
    module = sys.modules.get("rnnlens.data.dataset")
    return module is not None and isinstance(inputs, module.Dataset)
