"""How the report shows rnnlens results: one adapter per result class, registered with :mod:`rnnlens.display`.

:data:`result_parts` turns a result into report parts (for :func:`rnnlens.report.result_html`); the
notebook view of each result (its ``_repr_html_``, through :func:`rnnlens.display.to_html`) is the
fragment of those parts. Adapters are registered by class path, so importing the report does not import
the tracing package (and with it a deep-learning framework).
"""

from __future__ import annotations

from typing import Any

from rnnlens.display import Dispatcher, register
from rnnlens.report.anatomy import anatomy_cards
from rnnlens.report.data import Card, ReportData
from rnnlens.report.predictions import prediction_table
from rnnlens.report.sections import attribution_parts, state_groups

__all__ = ["result_parts"]

MODEL_SPEC = "rnnlens.inspection.spec.ModelSpec"
TRACE = "rnnlens.tracing.result.Trace"
ATTRIBUTION_RESULT = "rnnlens.attribution.result.AttributionResult"
INTERPRETATION = "rnnlens.decoding.interpretation.Interpretation"


def _no_parts(result: Any) -> list[Any] | None:
    return None


#: ``result_parts(result)``: the report parts that show ``result``, or ``None`` for objects it cannot show.
result_parts = Dispatcher(_no_parts)


def spec_parts(spec: Any) -> list[Any]:
    """A ``ModelSpec``: one anatomy card per output."""
    return list(anatomy_cards(spec))


def trace_parts(trace: Any) -> list[Any]:
    """A ``Trace``: the state and gate heatmaps of its first sample."""
    if not trace.layers:
        return [Card(title="Empty trace")]
    first = trace.layers[0]
    note = Card(title="", fields=(("samples", str(first.n_samples)), ("shown", "sample 0")))
    return [note, *state_groups(trace, 0)]


def attribution_result_parts(result: Any) -> list[Any]:
    """An ``AttributionResult``: what was explained, then the first sample's attribution map."""
    note = Card(
        title="",
        fields=(
            ("method", str(result.method)),
            ("target", str(result.target)),
            ("axes", ", ".join(result.axes)),
            ("shape", str(tuple(result.values.shape))),
            ("shown", "sample 0"),
        ),
    )
    return [note, *attribution_parts(result, 0)]


def interpretation_parts(interpretation: Any) -> list[Any]:
    """An ``Interpretation``: its predictions table (50 rows at most)."""
    table = interpretation.table
    n = int(table["sample"].max()) + 1 if "sample" in table.columns else 0
    return [prediction_table(interpretation, list(range(n)), max_rows=50)]


def _fragment(result: Any) -> str:
    from rnnlens.report.html import result_html

    return result_html(result)


for _path, _parts in (
    (MODEL_SPEC, spec_parts),
    (TRACE, trace_parts),
    (ATTRIBUTION_RESULT, attribution_result_parts),
    (INTERPRETATION, interpretation_parts),
):
    result_parts.register(_path, _parts)
# Interpretation draws its own notebook table; these results are drawn as report fragments.
for _path in (MODEL_SPEC, TRACE, ATTRIBUTION_RESULT):
    register(_path, _fragment)
register(ReportData, _fragment)
