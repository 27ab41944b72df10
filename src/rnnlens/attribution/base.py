"""The contract every attribution method shares, Captum-style: ``Method(model).attribute(inputs, ...)``.

A method subclasses :class:`Attribution` and implements ``attribute``. The base class prepares the batch
(validation, attribution space, outputs, the resolved target, baselines) as a :class:`Problem` (with the
public :func:`~rnnlens.attribution.problem.prepare_problem`, which other packages use too), and turns
per-row attributions in attribution space into :class:`AttributionResult` objects (embedding axis summed,
padded tokens zeroed, ``output_time`` axis for every-step targets).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.engine import Engine
from rnnlens.attribution.labels import InputLabels
from rnnlens.attribution.problem import Problem, prepare_problem
from rnnlens.attribution.result import AttributionResult
from rnnlens.errors import ShapeError
from rnnlens.loading import ensure_model

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.attribution.adaptive import Integral

__all__ = ["Attribution", "Problem", "Results", "attach_labels"]

# One result per model input: a single result for single-input models, a tuple otherwise (as in Captum).
Results = AttributionResult | tuple[AttributionResult, ...]


class Attribution:
    """Base class of attribution methods.

    Args:
        model: a built ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.

    Raises:
        ModelLoadError: the path cannot be loaded.
        UnsupportedLayerError: a token input reaches no Embedding directly.
    """

    name: ClassVar[str] = ""
    # ``attribute(inputs, target=None, baselines=None, **options) -> Results``, defined by each method with
    # its own keyword options (as in Captum, where ``attribute`` is declared on the base as a callable).
    attribute: Callable[..., Results]

    def __init__(self, model: Any) -> None:
        self.model = ensure_model(model)
        self.engine = Engine.for_model(self.model)

    # ------------------------------------------------------------------------------ helpers
    def _prepare(
        self,
        inputs: Any,
        target: Any,
        baselines: Any,
        *,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
        background: Any = None,
    ) -> Problem:
        """The batch made ready for this method: :func:`~rnnlens.attribution.problem.prepare_problem`."""
        return prepare_problem(
            self.model,
            inputs,
            target,
            baselines,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
            background=background,
        )

    def _results(
        self,
        problem: Problem,
        attributions: list[np.ndarray],
        options: Mapping[str, Any],
        *,
        baseline_outputs: np.ndarray | None = None,
        completeness: bool = False,
        groups: Sequence[np.ndarray | None] | None = None,
        standard_errors: list[np.ndarray] | None = None,
        players: Sequence[pd.DataFrame | None] | None = None,
        warnings: Sequence[str] = (),
    ) -> Results:
        """Per-row attributions in attribution space -> one :class:`AttributionResult` per input.

        ``groups`` (one group map per input) marks results that hold one value per group of cells.
        ``standard_errors`` (sampled estimators): per input, per row, shaped like the attributions; for
        token inputs either per token ``(rows, time)`` or spread over the embedding like the values
        ``(rows, time, embedding)``, then summed over it as the values are (the sum of the parts' errors
        bounds the error of the token's sum, and equals it when a token's error was spread over its
        vector). ``players``: per input, the Shapley player table or None. ``warnings`` go on every
        result.
        """
        target = problem.target
        samples = problem.arrays[0].shape[0]
        per_sample = target.per_sample
        row_samples = target.row_samples()
        reduced = []
        for slot, values, mask in zip(self.engine.slots, attributions, problem.masks, strict=True):
            values = np.asarray(values, dtype=np.float32)
            if slot.tokens:
                values = values.sum(axis=-1)
                if mask is not None:  # padded tokens take no part in the computation: exactly zero
                    values = np.where(mask[row_samples], values, np.float32(0))
            reduced.append(values + np.float32(0))  # no -0.0 in reported zeros
        errors: list[np.ndarray | None] = [None] * len(reduced)
        if standard_errors is not None:
            errors = [
                _reduce_errors(
                    np.asarray(error, np.float64), value.shape, slot.tokens, mask, row_samples
                )
                for slot, error, value, mask in zip(
                    self.engine.slots, standard_errors, reduced, problem.masks, strict=True
                )
            ]
        tables = list(players) if players is not None else [None] * len(reduced)
        outputs = target.values(problem.outputs)
        gap = None
        if completeness and baseline_outputs is not None:
            total = sum(v.reshape(len(v), -1).astype(np.float64).sum(axis=1) for v in reduced)
            gap = total - (outputs - baseline_outputs)

        def shape(rows: np.ndarray) -> np.ndarray:
            if per_sample == 1 and target.output_times is None:
                return rows
            return rows.reshape(samples, per_sample, *rows.shape[1:])

        results = []
        group_maps = groups if groups is not None else [None] * len(reduced)
        for slot, values, array, group_map, error, table in zip(
            self.engine.slots, reduced, problem.arrays, group_maps, errors, tables, strict=True
        ):
            axes = (
                "sample",
                *(("output_time",) if target.output_times is not None else ()),
                *slot.axes,
            )
            results.append(
                AttributionResult(
                    values=shape(values),
                    axes=axes,
                    input_name=slot.name,
                    method=self.name,
                    target=target.description,
                    inputs=np.asarray(array),
                    outputs=shape(outputs),
                    baseline_outputs=shape(baseline_outputs)
                    if baseline_outputs is not None
                    else None,
                    completeness_gap=shape(gap) if gap is not None else None,
                    output_times=target.output_times,
                    options=dict(options),
                    groups=group_map,
                    standard_errors=shape(error) if error is not None else None,
                    players=table,
                    warnings=tuple(warnings),
                )
            )
        results = attach_labels(results, problem.labels)
        return results[0] if len(results) == 1 else tuple(results)

    def _integral_results(
        self,
        problem: Problem,
        integral: Integral,
        options: Mapping[str, Any],
        baseline_outputs: np.ndarray,
    ) -> Results:
        """Results of a path method (integrated / expected gradients): the points each row used, its
        completeness gap, and the integration's warning when rows stayed over the tolerance."""
        return self._results(
            problem,
            integral.values,
            {**options, "n_steps_used": integral.steps.tolist()},
            baseline_outputs=baseline_outputs,
            completeness=True,
            warnings=(integral.warning,) if integral.warning else (),
        )

    def _row_inputs(
        self, problem: Problem, rows: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The inputs (attribution space) and token ids of the given rows, unperturbed."""
        samples = rows // problem.target.per_sample
        return [x[samples] for x in problem.space], [t[samples] for t in problem.tokens]


def _reduce_errors(
    errors: np.ndarray,
    shape: tuple[int, ...],
    tokens: bool,
    mask: np.ndarray | None,
    row_samples: np.ndarray,
) -> np.ndarray:
    """Standard errors shaped like the reduced values (see :meth:`Attribution._results`)."""
    if tokens and errors.ndim == len(shape) + 1:
        errors = errors.sum(axis=-1)
    if errors.shape != shape:
        raise ShapeError(
            f"Standard errors must have the attributions' shape {shape}; received {errors.shape}."
        )
    if tokens and mask is not None:
        errors = np.where(mask[row_samples], errors, 0.0)
    return errors


def attach_labels(results: list[AttributionResult], labels: InputLabels) -> list[AttributionResult]:
    """Each result with the labels that apply to its input (see :meth:`InputLabels.for_inputs`).

    Raises:
        OptionError: a label applies to no input. ShapeError, DataError: a label does not line up.
    """
    if labels.empty:
        return results
    chosen = labels.for_inputs([result.axes for result in results])
    return [result.with_labels(**given) for result, given in zip(results, chosen, strict=True)]
