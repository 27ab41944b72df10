"""Report parts of rnnlens results: :data:`result_parts` dispatches on the result's class.

Adapters are registered by class path (see :class:`rnnlens.display.Dispatcher`), so importing the report
does not import the tracing package (and with it a deep-learning framework).
"""

from __future__ import annotations

from typing import Any

from rnnlens.display import Dispatcher
from rnnlens.report.anatomy import anatomy_cards
from rnnlens.report.data import Card
from rnnlens.report.diagnostics import diagnostics_panel
from rnnlens.report.predictions import prediction_table
from rnnlens.report.sections import attribution_parts, state_groups

__all__ = [
    "attribution_result_parts",
    "interpretation_parts",
    "result_parts",
    "spec_parts",
    "trace_parts",
]

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
    """An ``AttributionResult``: what was explained, how far to trust it, then the first sample's map."""
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
    return [note, diagnostics_panel(result, 0), *attribution_parts(result, 0)]


def interpretation_parts(interpretation: Any) -> list[Any]:
    """An ``Interpretation``: its predictions table (50 rows at most)."""
    table = interpretation.table
    n = int(table["sample"].max()) + 1 if "sample" in table.columns else 0
    return [prediction_table(interpretation, list(range(n)), max_rows=50)]


for _path, _parts in (
    (MODEL_SPEC, spec_parts),
    (TRACE, trace_parts),
    (ATTRIBUTION_RESULT, attribution_result_parts),
    (INTERPRETATION, interpretation_parts),
):
    result_parts.register(_path, _parts)
