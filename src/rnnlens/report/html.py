"""ReportData -> one self-contained HTML page (plotly.js embedded once, figures drawn from JSON specs).

The page embeds a partial plotly.js bundle (``vendor/plotly-rnnlens.min.js``: the scatter, heatmap, bar and
waterfall traces only, built by ``tools/build-plotly-bundle``), gzip-compressed and base64-encoded: ~0.5 MB
instead of the 4.8 MB full bundle. ``report.js`` unpacks it with the browser's ``DecompressionStream``.

Every user string goes through Jinja's autoescaping (HTML) and, inside figures, through
:func:`rnnlens.report.figures.label`; figure specs are JSON with ``<``, ``>`` and ``&`` escaped, so names
such as ``</script><script>alert(1)</script>`` are shown as text and never run.
"""

from __future__ import annotations

import base64
import functools
import gzip
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rnnlens.report.sample_sections as sample_sections
from rnnlens._atomic import write_text_atomic
from rnnlens.errors import OutputError, RnnlensError
from rnnlens.report.data import Heatmap, ReportData, SeriesPlot, TokenScores
from rnnlens.report.figures import heatmap_figure, series_figure, spec_json
from rnnlens.report.tokens import token_cells

if TYPE_CHECKING:
    import jinja2

__all__ = ["PLOTLY_BUNDLE", "plotly_bundle_base64", "render_html", "result_html", "write_report"]

_TEMPLATES = Path(__file__).parent / "templates"
PLOTLY_BUNDLE = Path(__file__).parent / "vendor" / "plotly-rnnlens.min.js"
"""The partial plotly.js bundle every report embeds (traces: scatter, heatmap, bar, waterfall)."""


class _Figures:
    """Hands out figure ids in page order and renders each figure's div and JSON spec."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, item: Heatmap | SeriesPlot) -> Any:
        from markupsafe import Markup, escape

        if isinstance(item, Heatmap):
            figure, kind = heatmap_figure(item), "heatmap"
        elif isinstance(item, SeriesPlot):
            figure, kind = series_figure(item), "series"
        else:
            raise RnnlensError(
                f"A report figure must be a Heatmap or a SeriesPlot, received {type(item).__name__}."
            )
        fig_id = f"fig-{self.count}"
        self.count += 1
        return Markup(
            f'<div class="fig fig-{kind}" id="{fig_id}" data-spec="{fig_id}-spec" role="img" '
            f'aria-label="{escape(item.title)}"></div>'
            f'<script type="application/json" id="{fig_id}-spec">{spec_json(figure)}</script>'
        )


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.tests["tokenscores"] = lambda value: isinstance(value, TokenScores)
    env.globals["token_cells"] = token_cells
    env.globals["section_parts"] = sample_sections.section_parts
    return env


@functools.lru_cache(maxsize=1)
def plotly_bundle_base64() -> str:
    """The embedded plotly.js bundle, gzip-compressed and base64-encoded (read and packed once a process).

    Returns:
        ASCII text for the page's ``<script type="application/gzip" id="plotly-js">`` element; the same
        bytes every call (the gzip header carries no time stamp), so reports are reproducible.

    Raises:
        RnnlensError: the bundle file is missing from the installation.

    Example:
        >>> import base64, gzip
        >>> gzip.decompress(base64.b64decode(plotly_bundle_base64()))[:16]
        b'/*! plotly.js v4'
    """
    try:
        code = PLOTLY_BUNDLE.read_bytes()
    except OSError as exc:
        raise RnnlensError(
            f"The report's plotly.js bundle is missing ({PLOTLY_BUNDLE}): {exc.strerror or exc}. "
            "Reinstall rnnlens, or rebuild it with tools/build-plotly-bundle from a source checkout."
        ) from exc
    return base64.b64encode(gzip.compress(code, compresslevel=9, mtime=0)).decode("ascii")


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    """(css, report js): read once per process."""
    css = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    script = (_TEMPLATES / "report.js").read_text(encoding="utf-8")
    return css, script


def render_html(report: ReportData) -> str:
    """Render a report as one self-contained HTML page.

    Args:
        report: the :class:`~rnnlens.report.data.ReportData` to show.

    Returns:
        The page: plotly.js inlined once (compressed, see :data:`PLOTLY_BUNDLE`), every figure a JSON spec
        drawn when scrolled into view, no network needed to view it. Sections carry stable ids: ``alerts`` (weak explanations, zero baselines),
        ``anatomy``, ``predictions``, ``samples``, ``sample-<i>``, ``checks-<i>`` (how far to trust the
        maps), ``attribution-<i>``, ``forecast-<i>``, ``states-<i>``, ``alignment-<i>``, ``notes``.

    Raises:
        RnnlensError: ``report`` is not a ReportData.

    Example:
        >>> page = render_html(ReportData(title="Demo", model_name="lstm"))
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    if not isinstance(report, ReportData):
        raise RnnlensError(
            f"Argument `report` must be a rnnlens.report.ReportData, received {type(report).__name__}. "
            "Build one with rnnlens.report.collect_report(...) or by hand."
        )
    from markupsafe import Markup

    from rnnlens import __version__

    css, script = _assets()
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        figure=_Figures(),
        css=Markup(css),
        report_js=Markup(script),
        plotly_js=plotly_bundle_base64(),
        version=__version__,
        sample_sections=sample_sections.SAMPLE_SECTIONS,
    )


def write_report(report: ReportData, path: str | os.PathLike[str]) -> Path:
    """Render ``report`` and write it to ``path`` atomically (no half-written file after a crash or Ctrl-C).

    Args:
        report: the report data.
        path: where to write the ``.html`` file; its folder must exist.

    Returns:
        The path written.

    Raises:
        RnnlensError: ``report`` is not a ReportData. OutputError: the file cannot be written (the old
        file, if any, is left as it was).

    Example:
        >>> write_report(ReportData(title="Demo", model_name="lstm"), "report.html")  # doctest: +SKIP
    """
    page = render_html(report)
    if not isinstance(path, str | os.PathLike):
        raise OutputError(
            f"Argument `path` must be a file path (str or os.PathLike) for the .html report, received "
            f"{type(path).__name__} {path!r}."
        )
    try:
        return write_text_atomic(path, page)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(
            f"Could not write the report to {str(path)!r}: {exc.strerror or exc}. "
            "Choose a writable path with -o / `path=`."
        ) from exc


def result_html(result: Any, *, title: str | None = None, max_cells: int = 2500) -> str:
    """A small, script-free HTML fragment for a result: what ``_repr_html_`` returns in notebooks.

    It needs no JavaScript (notebook viewers and GitHub strip scripts): heatmaps become coloured tables
    whose cells show their value on hover (``title``), tokens become coloured text.

    Args:
        result: a report part (:class:`~rnnlens.report.data.Card`, ``Table``, ``Heatmap``, ``TokenScores``,
            ``SeriesPlot``, ``StateGroup``, ``SampleSection``, ``ReportData``) or an rnnlens result object
            (``ModelSpec``, ``Trace``, ``AttributionResult``, ``Interpretation``), converted by
            :func:`rnnlens.report.collect.parts_for`; anything else is summarised field by field.
        title: a heading to use instead of the result's own.
        max_cells: heatmaps with more cells are summarised (shape and range) rather than drawn.

    Returns:
        HTML text, safe to embed: every string is escaped.

    Example:
        >>> class Result:
        ...     def _repr_html_(self) -> str:
        ...         return result_html(self)
    """
    from rnnlens.report.fragment import render_fragment

    return render_fragment(result, title=title, max_cells=max_cells)
