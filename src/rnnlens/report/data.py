"""The report as pure data: frozen dataclasses of NumPy arrays, labels and strings.

Adapters (:mod:`rnnlens.report.collect`) turn rnnlens results into these objects; :mod:`rnnlens.report.html`
turns them into one self-contained HTML page. Nothing here knows about Keras or HTML, so either side can be
tested alone and a report can be built by hand.

Example:
    >>> import numpy as np
    >>> heat = Heatmap(
    ...     title="Attribution",
    ...     values=np.zeros((2, 3)),
    ...     x_label="time step", x_ticks=("0", "1", "2"),
    ...     y_label="feature", y_ticks=("price", "volume"),
    ... )
    >>> heat.values.shape
    (2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rnnlens.errors import ShapeError

__all__ = [
    "Card",
    "DiagnosticsPanel",
    "Heatmap",
    "Line",
    "ReportData",
    "SampleSection",
    "SeriesPlot",
    "StateGroup",
    "Table",
    "TokenScores",
]

Scale = Literal["diverging", "sequential"]


def _frozen_array(value: Any, *, ndim: int, what: str) -> np.ndarray:
    """A read-only float32 copy of ``value`` with exactly ``ndim`` axes."""
    try:
        array = np.array(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ShapeError(
            f"{what} must be numeric, received {type(value).__name__}: {exc}."
        ) from exc
    if array.ndim != ndim:
        raise ShapeError(
            f"{what} must have {ndim} axis/axes, received shape {array.shape}. "
            "Select one sample (and one output) before building the report."
        )
    array.setflags(write=False)
    return array


def _strings(values: Any, what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ShapeError(
            f"{what} must be a sequence of strings, received a single string {values!r}."
        )
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class Card:
    """A titled box of facts: one per model output in the anatomy section.

    Args:
        title: the heading, e.g. the output's name.
        subtitle: one line under the title, e.g. ``"many-to-many · forecasting"``.
        fields: ``(label, value)`` pairs shown as a definition list.
        facts: plain-language sentences.
        warnings: sentences shown highlighted.
    """

    title: str
    subtitle: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    facts: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple((str(k), str(v)) for k, v in self.fields))
        object.__setattr__(self, "facts", _strings(self.facts, "Card.facts"))
        object.__setattr__(self, "warnings", _strings(self.warnings, "Card.warnings"))


@dataclass(frozen=True)
class Table:
    """A table of pre-formatted cells, e.g. decoded predictions.

    Args:
        title: the heading.
        columns: column headers.
        rows: one tuple of cell strings per row, each as long as ``columns``.
        caption: a sentence under the table.
        row_links: for each row, the id of a section to link the first cell to (``None`` for no link).
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    row_links: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        columns = _strings(self.columns, "Table.columns")
        rows = tuple(_strings(row, "Table.rows") for row in self.rows)
        for number, row in enumerate(rows):
            if len(row) != len(columns):
                raise ShapeError(
                    f"Table {self.title!r}: row {number} has {len(row)} cells but there are "
                    f"{len(columns)} columns {list(columns)}."
                )
        links = tuple(self.row_links)
        if links and len(links) != len(rows):
            raise ShapeError(
                f"Table {self.title!r}: `row_links` has {len(links)} entries for {len(rows)} rows; "
                "give one id (or None) per row, or none at all."
            )
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "row_links", links)


@dataclass(frozen=True)
class Heatmap:
    """A matrix with named, labelled axes; every cell shows its value on hover.

    Args:
        title: the heading.
        values: array ``(y, x)``: rows run along the vertical axis. NaN cells are drawn empty.
        x_label, y_label: what the axes are, e.g. ``"time step"``, ``"feature"``.
        x_ticks, y_ticks: one label per column / row (repeats are allowed, e.g. tokens).
        value_label: what a cell holds, e.g. ``"attribution"``, ``"forget gate"``.
        scale: ``"diverging"`` (centred on zero: signed values) or ``"sequential"`` (e.g. gates in [0, 1]).
        zmin, zmax: fixed colour limits; by default they come from the data.

    Raises:
        ShapeError: ``values`` is not 2-D or the tick counts do not match its shape.
    """

    title: str
    values: np.ndarray
    x_label: str
    x_ticks: tuple[str, ...]
    y_label: str
    y_ticks: tuple[str, ...]
    value_label: str = "value"
    scale: Scale = "diverging"
    zmin: float | None = None
    zmax: float | None = None

    def __post_init__(self) -> None:
        values = _frozen_array(self.values, ndim=2, what=f"Heatmap {self.title!r} values")
        x_ticks = _strings(self.x_ticks, "Heatmap.x_ticks")
        y_ticks = _strings(self.y_ticks, "Heatmap.y_ticks")
        if values.shape != (len(y_ticks), len(x_ticks)):
            raise ShapeError(
                f"Heatmap {self.title!r}: values have shape {values.shape} (y, x) but there are "
                f"{len(y_ticks)} y ticks and {len(x_ticks)} x ticks; expected values of shape "
                f"({len(y_ticks)}, {len(x_ticks)}). Transpose the array or fix the tick labels."
            )
        if self.scale not in ("diverging", "sequential"):
            raise ShapeError(
                f"Heatmap.scale must be 'diverging' or 'sequential', received {self.scale!r}."
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "x_ticks", x_ticks)
        object.__setattr__(self, "y_ticks", y_ticks)


@dataclass(frozen=True)
class TokenScores:
    """A text model's input tokens, each with a score (drawn as coloured text).

    Args:
        title: the heading.
        tokens: the tokens in input order.
        scores: array ``(tokens,)``; NaN for tokens without a score (e.g. padding).
        value_label: what a score is, e.g. ``"attribution"``.
    """

    title: str
    tokens: tuple[str, ...]
    scores: np.ndarray
    value_label: str = "attribution"

    def __post_init__(self) -> None:
        tokens = _strings(self.tokens, "TokenScores.tokens")
        scores = _frozen_array(self.scores, ndim=1, what=f"TokenScores {self.title!r} scores")
        if scores.shape[0] != len(tokens):
            raise ShapeError(
                f"TokenScores {self.title!r}: {len(tokens)} tokens but {scores.shape[0]} scores; "
                "give exactly one score per token."
            )
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "scores", scores)


@dataclass(frozen=True)
class Line:
    """One named curve of a :class:`SeriesPlot`.

    Args:
        name: the legend entry, e.g. ``"forecast"``.
        values: array ``(time,)``; NaN leaves a gap.
        dashed: draw it dashed (e.g. for inputs or targets beside a prediction).
    """

    name: str
    values: np.ndarray
    dashed: bool = False

    def __post_init__(self) -> None:
        values = _frozen_array(self.values, ndim=1, what=f"Line {self.name!r} values")
        object.__setattr__(self, "values", values)


@dataclass(frozen=True)
class SeriesPlot:
    """Curves over time, e.g. the prediction at every step of a forecaster.

    Args:
        title: the heading.
        x: array ``(time,)`` of step positions shared by every line.
        lines: the curves, each as long as ``x``.
        x_label, y_label: axis titles.

    Raises:
        ShapeError: a line's length differs from ``x``.
    """

    title: str
    x: np.ndarray
    lines: tuple[Line, ...]
    x_label: str = "time step"
    y_label: str = "value"

    def __post_init__(self) -> None:
        x = _frozen_array(self.x, ndim=1, what=f"SeriesPlot {self.title!r} x")
        lines = tuple(self.lines)
        for line in lines:
            if line.values.shape != x.shape:
                raise ShapeError(
                    f"SeriesPlot {self.title!r}: line {line.name!r} has {line.values.shape[0]} "
                    f"points but x has {x.shape[0]}; pad the line with NaN to the same length."
                )
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "lines", lines)


@dataclass(frozen=True)
class DiagnosticsPanel:
    """How far to trust one attribution map, shown beside it: its checks, and why it is weak if it is.

    Args:
        title: the heading, e.g. ``"How far to trust the attribution of input"``.
        fields: ``(label, value)`` pairs: method, baseline, F(x), F(baseline), completeness gap, standard
            error, faithfulness, integration steps.
        reasons: why the explanation is weak, one sentence per weak row; empty when every check passed.
        notes: what may make the explanation mislead even when no check fails (e.g. a zero baseline).
        rows: the same checks per output step, when the map explains several steps.

    Example:
        >>> panel = DiagnosticsPanel("Checks", reasons=("completeness gap 12% > 1%",))
        >>> panel.weak
        True
    """

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rows: Table | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple((str(k), str(v)) for k, v in self.fields))
        object.__setattr__(self, "reasons", _strings(self.reasons, "DiagnosticsPanel.reasons"))
        object.__setattr__(self, "notes", _strings(self.notes, "DiagnosticsPanel.notes"))

    @property
    def weak(self) -> bool:
        """Whether a check failed (the report flags the map as weak)."""
        return bool(self.reasons)


@dataclass(frozen=True)
class StateGroup:
    """The traced states and gates of one recurrent layer for one sample.

    Args:
        layer: the layer's name (with its direction for Bidirectional layers).
        kind: the cell family, e.g. ``"LSTM"``.
        heatmaps: one heatmap per quantity (hidden state, cell state, each gate), ``(unit, time)``.
    """

    layer: str
    kind: str
    heatmaps: tuple[Heatmap, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "heatmaps", tuple(self.heatmaps))


@dataclass(frozen=True)
class SampleSection:
    """Everything the report shows about one input sample.

    Args:
        index: the sample's position in the user's data (it names the section: ``id="sample-<index>"``).
        title: the heading, e.g. ``"Sample 3"``.
        summary: ``(label, value)`` pairs, e.g. the decoded prediction.
        attributions: attribution maps: a :class:`Heatmap` ``(feature, time)`` or :class:`TokenScores`.
        forecasts: predictions over time.
        states: traced states and gates, one group per layer.
        alignments: encoder-decoder alignment matrices ``(decoder step, encoder token)``.
        notes: sentences shown under the title (e.g. what could not be computed, and why).
        extra: ``(key, parts)`` of sections registered in :mod:`rnnlens.report.sample_sections` that have
            no field of their own, in registry order.
        checks: how far to trust the attribution maps: one :class:`DiagnosticsPanel` per attributed input.
    """

    index: int
    title: str
    summary: tuple[tuple[str, str], ...] = ()
    attributions: tuple[Heatmap | TokenScores, ...] = ()
    forecasts: tuple[SeriesPlot, ...] = ()
    states: tuple[StateGroup, ...] = ()
    alignments: tuple[Heatmap, ...] = ()
    notes: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    checks: tuple[DiagnosticsPanel, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int | np.integer):
            raise ShapeError(
                f"SampleSection.index must be an int, received {type(self.index).__name__}."
            )
        object.__setattr__(self, "index", int(self.index))
        object.__setattr__(self, "summary", tuple((str(k), str(v)) for k, v in self.summary))
        for name in ("checks", "attributions", "forecasts", "states", "alignments"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "notes", _strings(self.notes, "SampleSection.notes"))
        object.__setattr__(self, "extra", tuple((str(k), tuple(v)) for k, v in self.extra))


@dataclass(frozen=True)
class ReportData:
    """A whole report: model anatomy, prediction tables and one section per selected sample.

    Args:
        title: the page title.
        model_name: the model's name, shown in the header.
        anatomy: one card per model output (and optionally one for the whole model).
        predictions: tables of decoded predictions.
        samples: the per-sample sections, in display order; their ``index`` values must be unique.
        notes: report-level remarks (warnings, what was skipped).
        meta: ``(label, value)`` pairs shown in the header, e.g. method and backend.
        alerts: what the reader must know before trusting the explanations (weak explanations, a zero
            baseline), shown at the top of the page.
        attributions: the ``AttributionResult`` objects the attribution sections show (not drawn; for
            callers that print or save them, e.g. the CLI's diagnostics summary).
        overview: the data-set view (:class:`rnnlens.report.overview.OverviewSection`): predictions
            against the truth, global importance, units; drawn after the predictions.

    Raises:
        ShapeError: two samples share an index.

    Example:
        >>> report = ReportData(title="My model", model_name="lstm", samples=(SampleSection(0, "Sample 0"),))
        >>> [s.index for s in report.samples]
        [0]
    """

    title: str
    model_name: str
    anatomy: tuple[Card, ...] = ()
    predictions: tuple[Table, ...] = ()
    samples: tuple[SampleSection, ...] = ()
    notes: tuple[str, ...] = ()
    meta: tuple[tuple[str, str], ...] = field(default=())
    alerts: tuple[str, ...] = ()
    attributions: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    overview: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        for name in ("anatomy", "predictions", "samples", "attributions", "overview"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "notes", _strings(self.notes, "ReportData.notes"))
        object.__setattr__(self, "alerts", _strings(self.alerts, "ReportData.alerts"))
        object.__setattr__(self, "meta", tuple((str(k), str(v)) for k, v in self.meta))
        seen: set[int] = set()
        for sample in self.samples:
            if sample.index in seen:
                raise ShapeError(
                    f"Two report samples have index {sample.index}; each sample may appear once."
                )
            seen.add(sample.index)

    def _repr_html_(self) -> str:
        from rnnlens.display import to_html

        return to_html(self)
