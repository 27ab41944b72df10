"""The data-set view of a report, as a registry: sections about all samples, not one.

Every entry of :data:`OVERVIEW_SECTIONS` computes its parts (tables, figures) from an
:class:`OverviewContext`; the page draws each non-empty one as a block after the predictions, with the parts
listed in :attr:`OverviewSection.folded` inside a closed ``<details>``.

Example:
    >>> [kind.key for kind in OVERVIEW_SECTIONS]
    ['truth', 'importance', 'units']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlens.report.data import Heatmap, SeriesPlot, Table

__all__ = [
    "OVERVIEW_SECTIONS",
    "OverviewContext",
    "OverviewKind",
    "OverviewSection",
    "overview_sections",
]


@dataclass(frozen=True)
class OverviewContext:
    """What the data-set sections may read.

    Attributes:
        chosen: the explained samples' indices in the data.
        dataset: the full ``Dataset``.
        batch: the explained samples' model inputs, one ``(sample, ...)`` array per model input.
        truth: predictions against the data's truth over the data (:mod:`rnnlens.report.truth`), or None.
        results: attribution results of the explained samples.
        trace: the trace of the explained samples, or None.
        vocab: the vocabulary, shared or per input name.
        curves: the deletion / insertion curves of the explained samples, or None.
        time_label: what a step is.
    """

    chosen: tuple[int, ...]
    dataset: Any
    batch: Sequence[np.ndarray] = ()
    truth: Any = None
    results: tuple[Any, ...] = ()
    trace: Any = None
    vocab: Any = None
    curves: SeriesPlot | None = None
    time_label: str = "time step"


@dataclass(frozen=True)
class OverviewSection:
    """One block of the data-set view.

    Args:
        key: the html id of the block.
        heading: its heading.
        parts: tables and figures (:class:`Table`, :class:`Heatmap`, :class:`SeriesPlot`), shown open.
        folded: parts behind a closed ``<details>`` (e.g. per-unit maps).
        intro: a sentence under the heading.
    """

    key: str
    heading: str
    parts: tuple[Table | Heatmap | SeriesPlot, ...] = ()
    folded: tuple[Table | Heatmap | SeriesPlot, ...] = field(default=())
    intro: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))
        object.__setattr__(self, "folded", tuple(self.folded))


@dataclass(frozen=True)
class OverviewKind:
    """One kind of data-set section: ``compute(context) -> OverviewSection | None``."""

    key: str
    compute: Callable[[OverviewContext], OverviewSection | None]


def truth_section(context: OverviewContext) -> OverviewSection | None:
    """Predicted vs true over the data, when the data carries targets."""
    from rnnlens.report.truth import truth_parts

    if context.truth is None:
        return None
    return OverviewSection(
        "truth",
        "Predictions against the truth",
        truth_parts(context.truth, context.chosen),
        intro=(
            f"Over all {context.truth.truth.shape[0]} samples of the data. The explained samples were "
            "chosen to include right and wrong predictions of every class where the data has them."
            if context.truth.kind == "classification"
            else f"Over all {context.truth.truth.shape[0]} samples of the data."
        ),
    )


def importance_section(context: OverviewContext) -> OverviewSection | None:
    """Global importance over the explained samples (like SHAP's summary)."""
    from rnnlens.report.importance import importance_parts

    if not context.results:
        return None
    sequence_ids = context.dataset.sequence_ids
    parts = importance_parts(
        context.results,
        feature_names=context.dataset.feature_names,
        vocab=context.vocab,
        sequence_ids=None
        if sequence_ids is None
        else np.asarray(sequence_ids)[list(context.chosen)],
        time_label=context.time_label,
    )
    if not parts:
        return None
    return OverviewSection(
        "importance",
        "What matters across the explained samples",
        parts,
        intro=f"Mean |attribution| over the {len(context.chosen)} explained samples, with its spread.",
    )


def units_section(context: OverviewContext) -> OverviewSection | None:
    """The most informative units, memory timescales, faithfulness curves; unit maps folded."""
    from rnnlens.report.units_view import units_parts

    parts: list[Any] = []
    folded: tuple[Any, ...] = ()
    if context.trace is not None:
        floats = [a for a in context.batch if np.issubdtype(a.dtype, np.floating) and a.ndim == 3]
        found = units_parts(
            context.trace,
            inputs=floats[0] if floats else None,
            feature_names=context.dataset.feature_names,
            time_label=context.time_label,
        )
        parts += [p for p in found if not isinstance(p, Heatmap)]
        folded = tuple(p for p in found if isinstance(p, Heatmap))
    if context.curves is not None:
        parts.append(context.curves)
    if not parts and not folded:
        return None
    return OverviewSection(
        "units",
        "Units and faithfulness",
        tuple(parts),
        folded,
        intro="Which units stand out on the explained samples; the full gate maps are in each sample.",
    )


#: The data-set sections, in page order.
OVERVIEW_SECTIONS: tuple[OverviewKind, ...] = (
    OverviewKind("truth", truth_section),
    OverviewKind("importance", importance_section),
    OverviewKind("units", units_section),
)


def overview_sections(context: OverviewContext) -> tuple[OverviewSection, ...]:
    """Every non-empty data-set section, in registry order."""
    found = (kind.compute(context) for kind in OVERVIEW_SECTIONS)
    return tuple(section for section in found if section is not None)
