"""Saliency (Simonyan et al., 2013): the gradient of the target with respect to each input cell."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.attribution.base import Attribution, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.gradients import path_gradients
from rnnlens.attribution.options import OptionError

__all__ = ["Saliency"]


class Saliency(Attribution):
    """Gradient of the target at the input; absolute values by default, as in Captum.

    Example:
        >>> by_time = Saliency(model).attribute(x, target=(5, 0)).by_time()
        >>> by_time.shape, bool((by_time >= 0).all())  # (samples, time), absolute values
        ((4, 6), True)
    """

    name = "saliency"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        abs: bool = True,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Attribute ``target`` by its gradient.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, or a list / dict with
                one array per model input.
            target: see :func:`rnnlens.attribution.resolve_target` (``k``, ``(t, k)``, ``"predicted"``, ...).
            baselines: must be None (saliency has no baseline).
            abs: report ``|gradient|`` (default) or the signed gradient. For token inputs the scores are
                summed over the embedding axis.
            internal_batch_size: at most this many rows per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple of them for multi-input models).

        Raises:
            ShapeError, DataError: bad inputs. TargetError: a target that does not fit the output.
            OptionError: baselines were given.
        """
        if not isinstance(abs, bool | np.bool_):
            raise OptionError(
                f"Argument `abs` must be True (|gradient|) or False (signed gradient), received {abs!r}."
            )
        if baselines is not None:
            raise OptionError(
                "Saliency takes no baselines (it is the gradient at the input); received "
                f"{type(baselines).__name__}. Use integrated_gradients to measure against a baseline."
            )
        problem = self._prepare(
            inputs,
            target,
            None,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )
        grads = path_gradients(self.engine, problem, np.ones(1), np.ones(1), None)
        values = [np.abs(g) if abs else g for g in grads]
        return self._results(problem, values, {"abs": bool(abs)})
