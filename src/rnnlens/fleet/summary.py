"""The fleet summary: importance per feature and per step with 95 % confidence intervals, the prediction
distribution and the worst-explained sequences, computed by streaming over the parts (bounded memory).

Importance of a feature is the fleet mean of ``|attribution summed over steps|``; its interval is the
normal-approximation ``mean +- 1.96 * sd / sqrt(n)`` (``sd`` with ``n - 1``). Means and variances are
merged part by part (Chan et al.'s pairwise update), so only one part is in memory at a time.
"""

from __future__ import annotations

import heapq
import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens._atomic import write_text_atomic
from rnnlens.fleet.store import SUMMARY_NAME, is_part_name, read_manifest

__all__ = ["FleetSummary", "RunningMoments", "summarize", "summary_path"]

_Z95 = 1.959963984540054
_WORST = 10
_BINS = 10


def summary_path(out: str | os.PathLike[str]) -> Path:
    """Where :func:`summarize` writes the summary of the run in ``out``."""
    return Path(out) / SUMMARY_NAME


@dataclass
class RunningMoments:
    """Count, mean and sum of squared deviations per column, merged batch by batch.

    Example:
        >>> moments = RunningMoments()
        >>> moments.add(np.array([[1.0], [2.0]])); moments.add(np.array([[3.0]]))
        >>> moments.mean.tolist(), moments.variance.tolist()
        ([2.0], [1.0])
    """

    count: int = 0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    m2: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def add(self, rows: np.ndarray) -> None:
        """Merge ``(n, columns)`` rows in."""
        rows = np.asarray(rows, np.float64)
        if rows.shape[0] == 0:
            return
        n, mean = rows.shape[0], rows.mean(axis=0)
        m2 = ((rows - mean) ** 2).sum(axis=0)
        if self.count == 0:
            self.count, self.mean, self.m2 = n, mean, m2
            return
        total = self.count + n
        delta = mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + m2 + delta**2 * (self.count * n / total)
        self.count = total

    @property
    def variance(self) -> np.ndarray:
        """The sample variance (``n - 1``); NaN below two rows."""
        if self.count < 2:
            return np.full_like(self.mean, np.nan)
        return self.m2 / (self.count - 1)

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """The 95 % normal-approximation interval of the mean."""
        half = _Z95 * np.sqrt(self.variance / max(self.count, 1))
        return self.mean - half, self.mean + half


@dataclass(frozen=True)
class FleetSummary:
    """What a fleet run found, fleet-wide (see the module docstring).

    Attributes:
        n_sequences: rows in the dataset.
        tasks: the run's tasks.
        feature_names: the input features' names.
        importance_per_feature: one dict per feature: ``feature``, ``mean_abs``, ``ci_low``, ``ci_high``,
            ``mean`` (signed) and ``n``, largest ``mean_abs`` first.
        importance_per_step: the same per step (``step``), in step order.
        predictions: ``kind`` ``"labels"`` with ``counts`` per label, or ``"values"`` with ``mean``,
            ``std``, ``min``, ``max`` and a ``histogram`` (``edges``, ``counts``).
        worst_by_gap: the sequences with the largest relative completeness gap (``id``, ``position``,
            ``relative_gap``).
        worst_by_faithfulness: the sequences with the lowest faithfulness (``id``, ``position``,
            ``faithfulness``).
        run: the run's description from the manifest (model, data, options).
    """

    n_sequences: int
    tasks: tuple[str, ...]
    feature_names: tuple[str, ...] | None
    importance_per_feature: list[dict[str, Any]] = field(default_factory=list)
    importance_per_step: list[dict[str, Any]] = field(default_factory=list)
    predictions: dict[str, Any] = field(default_factory=dict)
    worst_by_gap: list[dict[str, Any]] = field(default_factory=list)
    worst_by_faithfulness: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN as None)."""
        return _jsonable(asdict(self))  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FleetSummary:
        """The summary :meth:`to_dict` wrote."""
        names = data.get("feature_names")
        return cls(
            **{
                **data,
                "tasks": tuple(data.get("tasks", ())),
                "feature_names": None if names is None else tuple(names),
            }
        )

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> FleetSummary:
        """Read a summary file (``OUT/_summary.json``), or the summary of the run in a folder ``path``.

        Raises:
            DataError: missing or damaged file.
        """
        from rnnlens.errors import DataError

        file = Path(path)
        if file.is_dir():
            file = summary_path(file)
        try:
            return cls.from_dict(json.loads(file.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise DataError(
                f"{str(file)!r} does not exist; summarize a fleet run with rnnlens.fleet.summarize(OUT)."
            ) from None
        except (OSError, ValueError, TypeError) as exc:
            raise DataError(f"{str(file)!r} is not a fleet summary: {exc}") from exc


def summarize(out: str | os.PathLike[str], *, write: bool = True) -> FleetSummary:
    """Summarize the finished parts of the fleet run in ``out`` and write ``OUT/_summary.json``.

    Raises:
        DataError: ``out`` holds no fleet run.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(out)
    manifest = read_manifest(folder)
    run = dict(manifest.get("run", {}))
    tasks = tuple(run.get("tasks", ()))
    names = run.get("feature_names")
    parts = sorted(folder / name for name in os.listdir(folder) if is_part_name(name))
    per_feature, per_step = RunningMoments(), RunningMoments()
    signed_feature, signed_step = RunningMoments(), RunningMoments()
    worst_gap: list[tuple[float, int, Any]] = []
    worst_faith: list[tuple[float, int, Any]] = []
    labels: dict[str, int] = {}
    values = RunningMoments()
    low, high, total = math.inf, -math.inf, 0
    regression = False
    for part in parts:
        schema = pq.read_schema(part)
        wanted = [c for c in ("id", "position", "prediction") if c in schema.names]
        if "attribute" in tasks:
            wanted += [
                "attribution_per_feature",
                "attribution_per_step",
                "relative_gap",
                "faithfulness",
            ]
        table = pq.read_table(part, columns=wanted)
        total += table.num_rows
        ids = table.column("id").to_pylist()
        positions = table.column("position").to_numpy()
        if "prediction" in wanted:
            column = table.column("prediction")
            if pa.types.is_floating(column.type):
                regression = True
                numbers = column.to_numpy(zero_copy_only=False).astype(np.float64)
                values.add(numbers[:, None])
                if numbers.size:
                    low, high = min(low, float(numbers.min())), max(high, float(numbers.max()))
            else:
                for label in column.to_pylist():
                    labels[str(label)] = labels.get(str(label), 0) + 1
        if "attribute" in tasks:
            features = _matrix(table.column("attribution_per_feature"))
            steps = _matrix(table.column("attribution_per_step"))
            if features.shape[1]:
                per_feature.add(np.abs(features))
                signed_feature.add(features)
            per_step.add(np.abs(steps))
            signed_step.add(steps)
            _keep(worst_gap, table.column("relative_gap").to_numpy(), positions, ids, largest=True)
            _keep(
                worst_faith, table.column("faithfulness").to_numpy(), positions, ids, largest=False
            )
    predictions: dict[str, Any] = {}
    if "predict" in tasks:
        if regression:
            predictions = _value_distribution(parts, values, low, high)
        else:
            predictions = {"kind": "labels", "counts": dict(sorted(labels.items()))}
    summary = FleetSummary(
        n_sequences=total,
        tasks=tasks,
        feature_names=None if names is None else tuple(names),
        importance_per_feature=sorted(
            _importance(per_feature, signed_feature, "feature", names),
            key=lambda row: -(row["mean_abs"] if row["mean_abs"] == row["mean_abs"] else -math.inf),
        ),
        importance_per_step=_importance(per_step, signed_step, "step", None),
        predictions=predictions,
        worst_by_gap=_worst(worst_gap, "relative_gap", largest=True),
        worst_by_faithfulness=_worst(worst_faith, "faithfulness", largest=False),
        run=run,
    )
    if write:
        write_text_atomic(summary_path(folder), json.dumps(summary.to_dict(), indent=1))
    return summary


def _matrix(column: Any) -> np.ndarray:
    """A ``list<float>`` column as ``(rows, length)`` float64 (every row has the same length)."""
    rows = column.num_rows if hasattr(column, "num_rows") else len(column)
    flat = column.combine_chunks().flatten().to_numpy(zero_copy_only=False).astype(np.float64)
    return flat.reshape(rows, -1) if rows else np.zeros((0, 0))


def _importance(
    moments: RunningMoments, signed: RunningMoments, key: str, names: Any
) -> list[dict[str, Any]]:
    if moments.count == 0:
        return []
    low, high = moments.interval()
    return [
        {
            key: (names[i] if names is not None and i < len(names) else i),
            "mean_abs": float(moments.mean[i]),
            "ci_low": float(low[i]),
            "ci_high": float(high[i]),
            "mean": float(signed.mean[i]),
            "n": moments.count,
        }
        for i in range(len(moments.mean))
    ]


def _keep(
    heap: list[tuple[float, int, Any]],
    scores: np.ndarray,
    positions: np.ndarray,
    ids: list[Any],
    *,
    largest: bool,
) -> None:
    """Keep the ``_WORST`` rows with the largest (or smallest) finite score in a bounded heap."""
    for score, position, sequence in zip(scores, positions, ids, strict=True):
        if not np.isfinite(score):
            continue
        key = float(score) if largest else -float(score)
        entry = (key, -int(position), sequence)  # ties: the earlier sequence is worse
        if len(heap) < _WORST:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)


def _worst(heap: list[tuple[float, int, Any]], name: str, *, largest: bool) -> list[dict[str, Any]]:
    return [
        {"id": sequence, "position": -position, name: key if largest else -key}
        for key, position, sequence in sorted(heap, reverse=True)
    ]


def _value_distribution(
    parts: list[Path], moments: RunningMoments, low: float, high: float
) -> dict[str, Any]:
    """Mean, spread and a histogram of regression predictions (a second pass over one column)."""
    import pyarrow.parquet as pq

    if moments.count == 0:
        return {"kind": "values", "count": 0}
    edges = np.linspace(low, high if high > low else low + 1.0, _BINS + 1)
    counts = np.zeros(_BINS, np.int64)
    for part in parts:
        numbers = pq.read_table(part, columns=["prediction"]).column(0).to_numpy().astype(float)
        counts += np.histogram(numbers, bins=edges)[0]
    return {
        "kind": "values",
        "count": moments.count,
        "mean": float(moments.mean[0]),
        "std": float(np.sqrt(moments.variance[0])),
        "min": low,
        "max": high,
        "histogram": {"edges": edges.tolist(), "counts": counts.tolist()},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
