"""The row schema of a fleet's Parquet dataset: one row per sequence.

Columns, by task:

* always: ``id`` (the sequence id: int64 or string), ``chunk`` (int32, the part it came from) and
  ``position`` (int64, the sequence's index in the source);
* ``predict``: ``prediction`` (the decoded label as a string for classifiers, the value for regression)
  and ``score`` (the probability of that label; the value for regression);
* ``attribute``: ``attribution_per_feature`` ``list<float32>`` (summed over steps; empty for token
  inputs), ``attribution_per_step`` ``list<float32>`` (summed over features), ``top_contributions``
  ``list<struct<step, feature, value>>`` (largest ``|value|`` first), ``output`` F(x), ``baseline_output``
  F(b), ``completeness_gap``, ``relative_gap`` and ``faithfulness`` (NaN where the method does not report it);
* ``trace-summary``: per recurrent layer ``<layer>/final_state_norm`` (L2 norm of the last hidden state)
  and ``<layer>/<gate>_saturation`` (fraction of that gate's values, over steps and units, below
  ``saturation`` or above ``1 - saturation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ATTRIBUTION_COLUMNS", "PREDICTION_COLUMNS", "fleet_schema", "top_contribution_type"]

PREDICTION_COLUMNS = ("prediction", "score")
ATTRIBUTION_COLUMNS = (
    "attribution_per_feature",
    "attribution_per_step",
    "top_contributions",
    "output",
    "baseline_output",
    "completeness_gap",
    "relative_gap",
    "faithfulness",
)


def top_contribution_type() -> pa.DataType:
    """``struct<step: int32, feature: string, value: float32>``: one cell of a sequence's attribution."""
    import pyarrow as pa

    return pa.struct([("step", pa.int32()), ("feature", pa.string()), ("value", pa.float32())])


def fleet_schema(
    tasks: Sequence[str],
    *,
    id_type: str = "int64",
    regression: bool = False,
    trace_columns: Sequence[str] = (),
) -> pa.Schema:
    """The schema of every part of a run.

    Args:
        tasks: the run's tasks (see :data:`rnnlens.fleet.options.TASKS`).
        id_type: ``"int64"`` or ``"string"``.
        regression: the prediction is a number (a regression head), not a label.
        trace_columns: the trace summary columns, in order.

    Example:
        >>> fleet_schema(["predict"]).names
        ['id', 'chunk', 'position', 'prediction', 'score']
    """
    import pyarrow as pa

    fields = [
        pa.field("id", pa.int64() if id_type == "int64" else pa.string(), nullable=False),
        pa.field("chunk", pa.int32(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
    ]
    if "predict" in tasks:
        fields += [
            pa.field("prediction", pa.float64() if regression else pa.string()),
            pa.field("score", pa.float64()),
        ]
    if "attribute" in tasks:
        fields += [
            pa.field("attribution_per_feature", pa.list_(pa.float32())),
            pa.field("attribution_per_step", pa.list_(pa.float32())),
            pa.field("top_contributions", pa.list_(top_contribution_type())),
            *(pa.field(name, pa.float64()) for name in ATTRIBUTION_COLUMNS[3:]),
        ]
    fields += [pa.field(name, pa.float64()) for name in trace_columns]
    return pa.schema(fields)
