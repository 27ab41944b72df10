"""Deletion and insertion curves of the explained samples, as one figure (:mod:`rnnlens.quality`).

A faithful explanation moves the output fast when its most important cells are deleted (towards the
baseline or the background) or inserted: its curve falls (deletion) or rises (insertion) faster than the
curve of random orders drawn beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.report.data import Line, SeriesPlot

__all__ = ["curves_plot", "faithfulness_curves"]


def curves_plot(*curves: Any) -> SeriesPlot:
    """The mean curve over samples of each :class:`rnnlens.quality.FaithfulnessResult`, with its random one.

    Args:
        curves: faithfulness results over the same fractions (deletion and / or insertion).

    Example:
        >>> from types import SimpleNamespace
        >>> fake = SimpleNamespace(kind="deletion", fractions=np.array([0.0, 1.0]),
        ...     curves=np.array([[1.0, 0.0]]), random_curves=np.array([[[1.0, 0.5]]]))
        >>> [line.name for line in curves_plot(fake).lines]
        ['deletion, attribution order', 'deletion, random order']
    """
    fractions = np.asarray(curves[0].fractions, np.float32)
    lines = []
    for found in curves:
        lines.append(Line(f"{found.kind}, attribution order", np.nanmean(found.curves, axis=0)))
        lines.append(
            Line(
                f"{found.kind}, random order",
                np.nanmean(np.asarray(found.random_curves).reshape(-1, fractions.size), axis=0),
                dashed=True,
            )
        )
    return SeriesPlot(
        title="Deletion and insertion curves (mean over the explained samples)",
        x=fractions,
        lines=tuple(lines),
        x_label="fraction of cells deleted / inserted, most important first",
        y_label="explained output",
    )


def faithfulness_curves(
    model: Any, inputs: Any, result: Any, target: Any, background: Any = None, steps: int = 10
) -> SeriesPlot:
    """Compute the deletion and insertion curves of ``result`` and draw them (see :func:`curves_plot`).

    Args:
        model: the model.
        inputs: the explained samples' inputs, one array per model input.
        result: one input's attribution result over single targets.
        target: the target ``result`` explains.
        background: reference data: cells are deleted towards its mean (else towards the baseline).
        steps: fraction steps.

    Raises:
        RnnlensError: as :func:`rnnlens.quality.deletion_curve` (e.g. a target over every output step).
    """
    from rnnlens.quality import deletion_curve, insertion_curve

    options = {"target": target, "steps": steps, "background": background}
    return curves_plot(
        deletion_curve(model, inputs, result, **options),
        insertion_curve(model, inputs, result, **options),
    )
