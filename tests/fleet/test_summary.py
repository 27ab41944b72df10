"""The fleet summary, streamed over parts, equals the same statistics computed at once with NumPy."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.dataset as ds

from rnnlens.fleet.summary import FleetSummary, RunningMoments, summarize, summary_path
from tests.fleet.conftest import N


def test_importance_and_intervals_match_numpy(reference):
    table = ds.dataset(reference).to_table().to_pandas()
    summary = summarize(reference)
    for column, key, rows in (
        ("attribution_per_feature", "feature", summary.importance_per_feature),
        ("attribution_per_step", "step", summary.importance_per_step),
    ):
        values = np.abs(np.stack(table[column]).astype(np.float64))
        mean = values.mean(axis=0)
        half = 1.959963984540054 * values.std(axis=0, ddof=1) / np.sqrt(N)
        by_index = {row[key]: row for row in rows}
        for index in range(values.shape[1]):
            row = by_index[index]
            np.testing.assert_allclose(row["mean_abs"], mean[index], rtol=1e-12)
            np.testing.assert_allclose(
                [row["ci_low"], row["ci_high"]],
                [mean[index] - half[index], mean[index] + half[index]],
                rtol=1e-10,
            )
    assert [row["mean_abs"] for row in summary.importance_per_feature] == sorted(
        (row["mean_abs"] for row in summary.importance_per_feature), reverse=True
    )
    counts = table["prediction"].value_counts().to_dict()
    assert summary.predictions == {"kind": "labels", "counts": dict(sorted(counts.items()))}
    worst = table.sort_values("relative_gap", ascending=False, kind="stable").head(10)
    assert [row["position"] for row in summary.worst_by_gap] == worst["position"].tolist()
    lowest = table.sort_values("faithfulness", kind="stable").head(10)
    assert [row["id"] for row in summary.worst_by_faithfulness] == lowest["id"].tolist()
    saved = json.loads(summary_path(reference).read_text())
    assert FleetSummary.from_json(reference) == FleetSummary.from_dict(saved) == summary


def test_running_moments_merge_like_one_pass():
    rows = np.random.default_rng(0).normal(size=(101, 4)) * [1, 10, 1e-3, 5] + 1e6
    moments = RunningMoments()
    for start in range(0, 101, 13):
        moments.add(rows[start : start + 13])
    np.testing.assert_allclose(moments.mean, rows.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(moments.variance, rows.var(axis=0, ddof=1), rtol=1e-6)
