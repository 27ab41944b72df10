"""The decoded result: a pandas table plus what it means, written as CSV, JSON or Parquet (atomically)."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rnnlens._atomic import atomic_path, check_output_path, write_text_atomic

__all__ = ["KINDS", "Interpretation"]

#: What an Interpretation can hold.
KINDS = ("binary", "multilabel", "categorical", "regression", "generation", "raw")
SAVE_SUFFIXES = (".csv", ".json", ".parquet", ".html")


@dataclass(frozen=True, eq=False)
class Interpretation:
    """Predictions turned into what they mean.

    Attributes:
        kind: one of :data:`KINDS`.
        output: the model output decoded (its name).
        table: one row per sample, or per sample and step (``step`` column) for sequence outputs.
        summary: one row per sample for results whose ``table`` is per step (generation), else None.
        meta: facts a reader needs: task, threshold (and how it was chosen), class names, feature names,
            scaler, notes.
        predictions: the raw model output ``(batch, [time,] units)`` that was decoded.

    Example:
        >>> result = rnnlens.decode(model, x)  # doctest: +SKIP
        >>> result.table.head()  # doctest: +SKIP
        >>> result.save("predictions.parquet")  # doctest: +SKIP
    """

    kind: str
    output: str
    table: pd.DataFrame
    summary: pd.DataFrame | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    predictions: np.ndarray | None = None

    @property
    def per_timestep(self) -> bool:
        """True when the table has one row per (sample, step)."""
        return "step" in self.table.columns

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``kind``, ``output``, ``meta``, ``rows`` and (if any) ``summary``."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "output": self.output,
            "meta": _jsonable(dict(self.meta)),
            "columns": [str(c) for c in self.table.columns],
            "rows": _records(self.table),
        }
        if self.summary is not None:
            data["summary"] = _records(self.summary)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The result as a JSON document (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write ``table`` to Parquet atomically; ``meta`` and ``summary`` go into the file's metadata
        under the key ``rnnlens``."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(_parquet_safe(self.table), preserve_index=False)
        extra = {k: v for k, v in self.to_dict().items() if k not in ("rows", "columns")}
        metadata = dict(table.schema.metadata or {})
        metadata[b"rnnlens"] = json.dumps(extra).encode("utf-8")
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(metadata), tmp)
        return Path(path)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write ``table`` as CSV atomically (``meta`` is not kept: use JSON or Parquet for that)."""
        return write_text_atomic(path, self.table.to_csv(index=False))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write by suffix: ``.csv``, ``.json``, ``.parquet`` or ``.html``, atomically.

        Raises:
            OutputError: an unsupported suffix, or a path that cannot be written.
        """
        check_output_path(path, SAVE_SUFFIXES, option="path")
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            return self.to_csv(path)
        if suffix == ".json":
            return write_text_atomic(path, self.to_json())
        if suffix == ".parquet":
            return self.to_parquet(path)
        return write_text_atomic(path, "<!doctype html><meta charset='utf-8'>" + self._repr_html_())

    def _repr_html_(self, max_rows: int = 20) -> str:
        """A small HTML view for notebooks; every user-supplied string is escaped."""
        facts = "".join(
            f"<li><b>{html.escape(str(key))}</b>: {html.escape(_short(value))}</li>"
            for key, value in self.meta.items()
            if value not in (None, (), [])
        )
        body = self.table.head(max_rows).to_html(index=False, escape=True, border=0)
        more = len(self.table) - max_rows
        tail = f"<p>... {more} more row(s)</p>" if more > 0 else ""
        return (
            f"<div class='rnnlens-interpretation'><h4>{html.escape(self.kind)} predictions of output "
            f"{html.escape(self.output)!s}</h4><ul>{facts}</ul>{body}{tail}</div>"
        )

    def __repr__(self) -> str:
        return (
            f"Interpretation(kind={self.kind!r}, output={self.output!r}, rows={len(self.table)}, "
            f"columns={list(self.table.columns)})"
        )


def _short(value: Any) -> str:
    text = json.dumps(_jsonable(value)) if not isinstance(value, str) else value
    return text if len(text) <= 200 else text[:200] + "..."


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values: floats keep every digit (``repr``), times become ISO text."""
    columns = [str(c) for c in frame.columns]
    values = [[_jsonable(v) for v in frame[c].tolist()] for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing types (ids from different sources) become strings; Parquet needs one type."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            kinds = {type(v) for v in out[column] if v is not None}
            if len(kinds) > 1:
                out[column] = out[column].map(lambda v: None if v is None else str(v))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
