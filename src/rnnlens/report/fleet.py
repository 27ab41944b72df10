"""The fleet report: a fleet run's summary (``rnnlens batch``) as one self-contained HTML page.

``rnnlens explain --from OUT`` and ``rnnlens.report(path, fleet=OUT)`` call :func:`write_fleet_report`. The
page shows the fleet importance per feature and per time step (the mean ``|attribution|`` with its 95 %
confidence interval as error bars), the distribution of the predictions, and the worst-explained sequences
(largest completeness gap, lowest faithfulness) with their prediction and top contribution, read from the
parts. It has the main report's look (same stylesheet, same embedded plotly.js), needs no network and
holds no links; every string from the run (ids, feature names, labels) is escaped.

Example:
    >>> page = FleetPage(title="Fleet", meta=(("sequences", "3"),))
    >>> render_fleet_html(page).startswith("<!DOCTYPE html>")
    True
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import DataError, ShapeError
from rnnlens.report.data import Table

if TYPE_CHECKING:
    from rnnlens.fleet.summary import FleetSummary

__all__ = [
    "Bars",
    "Estimates",
    "FleetPage",
    "fleet_page",
    "read_fleet_summary",
    "render_fleet_html",
    "write_fleet_report",
]

#: Features drawn in the importance chart (the most important first); the table lists them all.
MAX_FEATURES_SHOWN = 30


@dataclass(frozen=True)
class Estimates:
    """Fleet means with their 95 % confidence intervals, one per feature or per step.

    Args:
        title: the heading.
        names: ``(n,)`` feature names, or step numbers.
        mean, low, high: ``(n,)`` the mean and the interval's ends.
        x_label, y_label: axis titles.
        categorical: bars over named categories (features) rather than a line over steps.

    Raises:
        ShapeError: the arrays and names differ in length.
    """

    title: str
    names: tuple[str, ...]
    mean: np.ndarray | Sequence[float]
    low: np.ndarray | Sequence[float]
    high: np.ndarray | Sequence[float]
    x_label: str = "feature"
    y_label: str = "mean |attribution|"
    categorical: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        for name in ("mean", "low", "high"):
            values = np.array(getattr(self, name), dtype=np.float64).reshape(-1)
            if values.shape[0] != len(self.names):
                raise ShapeError(
                    f"Estimates {self.title!r}: `{name}` has {values.shape[0]} values for "
                    f"{len(self.names)} names; give one per name."
                )
            values.setflags(write=False)
            object.__setattr__(self, name, values)

    def figure_json(self) -> Any:
        """The plotly spec as page-safe JSON (``<``, ``>``, ``&`` escaped; markup-safe for the template)."""
        from markupsafe import Markup

        from rnnlens.report.figures import spec_json
        from rnnlens.report.fleet_figures import estimates_figure

        return Markup(spec_json(estimates_figure(self)))


@dataclass(frozen=True)
class Bars:
    """Counts per category: predicted labels, or the bins of a histogram.

    Raises:
        ShapeError: ``names`` and ``counts`` differ in length.
    """

    title: str
    names: tuple[str, ...]
    counts: tuple[int, ...]
    x_label: str = "prediction"
    y_label: str = "sequences"

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "counts", tuple(int(c) for c in self.counts))
        if len(self.names) != len(self.counts):
            raise ShapeError(
                f"Bars {self.title!r}: {len(self.counts)} counts for {len(self.names)} names."
            )

    def figure_json(self) -> Any:
        """The plotly spec as page-safe JSON (``<``, ``>``, ``&`` escaped; markup-safe for the template)."""
        from markupsafe import Markup

        from rnnlens.report.figures import spec_json
        from rnnlens.report.fleet_figures import bars_figure

        return Markup(spec_json(bars_figure(self)))


@dataclass(frozen=True)
class FleetSection:
    """One block of the page: a heading, a sentence, figures and tables.

    Args:
        key: the html id.
        heading: the heading.
        intro: a sentence under it.
        figures: :class:`Estimates` / :class:`Bars`.
        tables: :class:`~rnnlens.report.data.Table` s.
        fields: ``(label, value)`` pairs shown first.
    """

    key: str
    heading: str
    intro: str = ""
    figures: tuple[Estimates | Bars, ...] = ()
    tables: tuple[Table, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FleetPage:
    """The whole fleet page, as pure data.

    Args:
        title: the page title.
        meta: ``(label, value)`` pairs for the header (sequences, model, data, method).
        alerts: what to know before reading on (an unfinished run).
        sections: the blocks, in order.
        notes: how the numbers were computed.
    """

    title: str
    meta: tuple[tuple[str, str], ...] = ()
    alerts: tuple[str, ...] = ()
    sections: tuple[FleetSection, ...] = ()
    notes: tuple[str, ...] = ()


def read_fleet_summary(out: str | os.PathLike[str]) -> FleetSummary:
    """The summary of the fleet run in ``out``: ``OUT/_summary.json`` when it is up to date, else computed
    from the finished parts (without writing to ``out``, e.g. for a run still going or interrupted).

    Raises:
        DataError: ``out`` is not a folder holding a fleet run.
    """
    from rnnlens.fleet.store import MANIFEST_NAME
    from rnnlens.fleet.summary import FleetSummary, summarize, summary_path

    folder = Path(out)
    if not folder.is_dir():
        raise DataError(
            f"--from / `fleet` must be the OUT folder of `rnnlens batch`, received {str(out)!r}, "
            "which is not a folder."
        )
    summary, manifest = summary_path(folder), folder / MANIFEST_NAME
    fresh = summary.exists() and manifest.exists()
    if fresh and summary.stat().st_mtime_ns >= manifest.stat().st_mtime_ns:
        return FleetSummary.from_json(summary)
    return summarize(folder, write=False)


def fleet_page(
    summary: FleetSummary, *, out: str | os.PathLike[str] | None = None, title: str | None = None
) -> FleetPage:
    """Lay a fleet summary out as a page.

    Args:
        summary: what :func:`rnnlens.fleet.summarize` found.
        out: the run's folder: the worst-explained rows are completed from its parts (prediction, top
            contribution); None shows the summary alone.
        title: the page title (default: "Fleet report: <model file name>").

    Returns:
        The :class:`FleetPage`.
    """
    run = summary.run
    model = Path(str(run.get("model", "model"))).name
    options = run.get("options") or {}
    meta = [("sequences", f"{summary.n_sequences:,}"), ("model", model)]
    if run.get("data"):
        meta.append(("data", Path(str(run["data"])).name))
    meta.append(("tasks", ", ".join(summary.tasks)))
    if "attribute" in summary.tasks:
        default = "recommended" if options.get("background") else "integrated_gradients"
        meta.append(("method", str(options.get("method") or default)))
    alerts = []
    expected = run.get("n_sequences")
    if isinstance(expected, int) and expected != summary.n_sequences:
        alerts.append(
            f"This run is not finished: {summary.n_sequences:,} of {expected:,} sequences are "
            "explained. Rerun the same `rnnlens batch` command to complete it; this page shows the "
            "finished chunks only."
        )
    if "attribute" in summary.tasks and not options.get("background"):
        alerts.append(
            "The attributions explain against a zero baseline (no --background): the importance may "
            "mislead where zero is not a neutral input."
        )
    sections = [
        section
        for section in (
            _feature_section(summary),
            _step_section(summary),
            _prediction_section(summary),
            _worst_section(summary, out),
        )
        if section is not None
    ]
    return FleetPage(
        title=title or f"Fleet report: {model}",
        meta=tuple(meta),
        alerts=tuple(alerts),
        sections=tuple(sections),
        notes=(
            "Importance is the fleet mean of |attribution| (summed over steps for a feature, over "
            "features for a step); the error bars are its 95% confidence interval, mean ± 1.96 sd / √n.",
            "The worst-explained sequences have the largest relative completeness gap (the attribution "
            "does not add up to F(x) − F(baseline)) or the lowest faithfulness (removing the top-ranked "
            "steps changes the output less than removing random ones).",
        ),
    )


def _feature_section(summary: FleetSummary) -> FleetSection | None:
    rows = summary.importance_per_feature
    if not rows:
        return None
    shown = rows[:MAX_FEATURES_SHOWN]
    figure = Estimates(
        title="Importance per feature",
        names=tuple(str(row["feature"]) for row in shown),
        mean=[_float(row["mean_abs"]) for row in shown],
        low=[_float(row["ci_low"]) for row in shown],
        high=[_float(row["ci_high"]) for row in shown],
    )
    table = Table(
        title="Importance per feature",
        columns=("feature", "mean |attribution|", "95% CI", "mean (signed)"),
        rows=tuple(
            (
                str(row["feature"]),
                _fmt(row["mean_abs"]),
                f"{_fmt(row['ci_low'])} to {_fmt(row['ci_high'])}",
                _fmt(row["mean"]),
            )
            for row in rows
        ),
    )
    more = len(rows) - len(shown)
    intro = "Which inputs the model relies on across the fleet, most important first."
    if more > 0:
        intro += f" The chart shows the top {len(shown)}; the table lists all {len(rows)}."
    return FleetSection("importance-features", "Importance per feature", intro, (figure,), (table,))


def _step_section(summary: FleetSummary) -> FleetSection | None:
    rows = summary.importance_per_step
    if not rows:
        return None
    figure = Estimates(
        title="Importance per time step",
        names=tuple(str(row["step"]) for row in rows),
        mean=[_float(row["mean_abs"]) for row in rows],
        low=[_float(row["ci_low"]) for row in rows],
        high=[_float(row["ci_high"]) for row in rows],
        x_label="time step",
        categorical=False,
    )
    return FleetSection(
        "importance-steps",
        "Importance per time step",
        "When in a sequence the evidence lies, averaged over the fleet.",
        (figure,),
    )


def _prediction_section(summary: FleetSummary) -> FleetSection | None:
    found = summary.predictions
    if not found:
        return None
    if found.get("kind") == "labels":
        counts = dict(found.get("counts") or {})
        figure = Bars("Predicted labels", tuple(counts), tuple(counts.values()))
        return FleetSection("predictions", "Predictions", "", (figure,))
    histogram = found.get("histogram") or {}
    edges = list(histogram.get("edges") or [])
    bins = list(histogram.get("counts") or [])
    figures: tuple[Bars, ...] = ()
    if bins and len(edges) == len(bins) + 1:
        names = tuple(f"{_fmt(a)} to {_fmt(b)}" for a, b in itertools.pairwise(edges))
        figures = (Bars("Predicted values", names, tuple(bins), x_label="predicted value"),)
    fields = tuple(
        (name, _fmt(found[name])) for name in ("mean", "std", "min", "max") if name in found
    )
    return FleetSection("predictions", "Predictions", "", figures, fields=fields)


def _worst_section(summary: FleetSummary, out: Any) -> FleetSection | None:
    tables = []
    extra = _part_rows(out, summary, [*summary.worst_by_gap, *summary.worst_by_faithfulness])
    for rows, key, name in (
        (summary.worst_by_gap, "relative_gap", "Largest completeness gap"),
        (summary.worst_by_faithfulness, "faithfulness", "Lowest faithfulness"),
    ):
        if not rows:
            continue
        tables.append(
            Table(
                title=name,
                columns=("id", "position", key.replace("_", " "), "prediction", "top contribution"),
                rows=tuple(
                    (
                        str(row["id"]),
                        str(row["position"]),
                        _fmt(row[key]),
                        *extra.get(int(row["position"]), ("", "")),
                    )
                    for row in rows
                ),
            )
        )
    if not tables:
        return None
    return FleetSection(
        "worst",
        "Worst-explained sequences",
        "Explanations to check before trusting them (see the notes).",
        tables=tuple(tables),
    )


def _part_rows(out: Any, summary: FleetSummary, rows: list[dict[str, Any]]) -> dict[int, tuple]:
    """``position -> (prediction, top contribution)`` for ``rows``, read from the parts that hold them."""
    size = summary.run.get("chunk_size")
    if out is None or not rows or not isinstance(size, int) or size < 1:
        return {}
    import pyarrow.parquet as pq

    from rnnlens.fleet.store import part_name

    wanted: dict[int, set[int]] = {}
    for row in rows:
        position = int(row["position"])
        wanted.setdefault(position // size, set()).add(position)
    found: dict[int, tuple] = {}
    for chunk, positions in sorted(wanted.items()):
        part = Path(out) / part_name(chunk)
        names = [c for c in ("position", "prediction", "top_contributions") if c in _columns(part)]
        if "position" not in names:
            continue
        table = pq.read_table(part, columns=names).to_pylist()
        for record in table:
            if record["position"] in positions:
                top = (record.get("top_contributions") or [None])[0]
                found[int(record["position"])] = (
                    _fmt(record.get("prediction", "")),
                    ""
                    if top is None
                    else f"{top['feature']} at step {top['step']}: {_fmt(top['value'])}",
                )
    return found


def _columns(part: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(part).names)
    except OSError:
        return []


def render_fleet_html(page: FleetPage) -> str:
    """The page as one self-contained HTML document (plotly.js embedded once, compressed).

    Example:
        >>> "Fleet" in render_fleet_html(FleetPage(title="Fleet"))
        True
    """
    from markupsafe import Markup

    from rnnlens import __version__
    from rnnlens.report.html import _assets, _environment, plotly_bundle_base64

    css, script = _assets()
    return (
        _environment()
        .get_template("fleet.html.j2")
        .render(
            page=page,
            css=Markup(css),
            report_js=Markup(script),
            plotly_js=plotly_bundle_base64(),
            version=__version__,
        )
    )


def write_fleet_report(
    out: str | os.PathLike[str], path: str | os.PathLike[str], *, title: str | None = None
) -> Path:
    """Render the fleet run in ``out`` as an HTML page at ``path`` (written atomically).

    Args:
        out: the OUT folder of ``rnnlens batch`` / :func:`rnnlens.batch`.
        path: the ``.html`` file to write.
        title: the page title.

    Returns:
        The path written.

    Raises:
        DataError: ``out`` holds no fleet run. OutputError: ``path`` cannot be written.

    Example:
        >>> write_fleet_report("fleet_out", "fleet.html")  # doctest: +SKIP
        PosixPath('fleet.html')
    """
    from rnnlens._atomic import write_text_atomic

    summary = read_fleet_summary(out)
    return write_text_atomic(path, render_fleet_html(fleet_page(summary, out=out, title=title)))


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _fmt(value: Any) -> str:
    """A number to 4 significant digits (text as it is; missing as an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return str(value)
    number = float(value)
    if not np.isfinite(number):
        return "n/a"
    return f"{int(number):,}" if isinstance(value, int | np.integer) else f"{number:.4g}"
