"""Input x Gradient (Shrikumar et al., 2016): each input cell times the target's gradient there."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.attribution.base import Attribution, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.gradients import path_gradients
from rnnlens.attribution.options import OptionError

__all__ = ["InputXGradient"]


class InputXGradient(Attribution):
    """``x * dF/dx``; for token inputs ``embedding * gradient`` summed over the embedding axis.

    Example:
        >>> InputXGradient(model).attribute(x, target=(5, 0)).values.shape  # (samples, time, features)
        (4, 6, 2)
    """

    name = "input_x_gradient"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Attribute ``target`` as input times gradient.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, or one array per
                model input (list / dict).
            target: ``k``, ``(t, k)``, ``"predicted"`` or a :class:`Target`.
            baselines: must be None.
            internal_batch_size: at most this many rows per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple of them for multi-input models).

        Raises:
            ShapeError, DataError, TargetError: bad inputs or target. OptionError: baselines were given.
        """
        if baselines is not None:
            raise OptionError(
                "InputXGradient takes no baselines (it is x * gradient, i.e. a zero baseline); received "
                f"{type(baselines).__name__}. Use integrated_gradients for other baselines."
            )
        problem = self._prepare(
            inputs,
            target,
            None,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )
        grads = path_gradients(self.engine, problem, np.ones(1), np.ones(1), None)
        samples = problem.target.row_samples()
        values = [x[samples] * g for x, g in zip(problem.space, grads, strict=True)]
        return self._results(problem, values, {})
