"""Long-format tables (sequence id, time, feature columns) from CSV or Parquet, windowed for a model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rnnlens.data.dataset import Dataset
from rnnlens.data.files import read_text, regular_file
from rnnlens.data.windowing import Padding, window_sequences
from rnnlens.errors import DataError, OptionError, ShapeError

__all__ = ["read_table", "table_to_dataset"]


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``.csv`` / ``.tsv`` / ``.parquet`` file into a DataFrame, with errors a user can act on.

    Raises:
        DataError: the file is missing, not a regular file, empty, not UTF-8 (CSV) or damaged.
    """
    file = regular_file(path, "Data file")
    suffix = file.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(file)
        else:
            frame = pd.read_csv(file, sep="\t" if suffix == ".tsv" else ",")
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{file.name} is empty: expected a header row and data rows.") from exc
    except UnicodeDecodeError:
        read_text(file, "Data file")  # raises the message that names the first bad byte
        raise  # pragma: no cover - read_text always raises here
    except Exception as exc:  # pandas / pyarrow raise many types for damaged files.
        raise DataError(f"Could not read {file.name} as a table: {exc}") from exc
    if frame.empty:
        raise DataError(f"{file.name} has a header but no data rows.")
    frame.columns = [str(column) for column in frame.columns]
    return frame


def table_to_dataset(
    frame: pd.DataFrame,
    *,
    id_column: str | None = None,
    time_column: str | None = None,
    feature_names: Sequence[str] | None = None,
    window: int | None = None,
    stride: int = 1,
    padding: Padding = "none",
    pad_value: float = 0.0,
    expected_features: int | None = None,
    input_name: str = "x",
    source: str | None = None,
    line_offset: int | None = 2,
) -> Dataset:
    """Turn a long table into windows ``(n_windows, window, features)`` with ids, times and feature names.

    Rows are grouped by ``id_column`` (sequences keep their order of first appearance) and sorted by
    ``time_column`` within each sequence, then cut with :func:`rnnlens.data.windowing.window_sequences`.

    Args:
        frame: one row per (sequence, time step).
        id_column: the sequence id column; default the first column.
        time_column: the time column (numbers or dates); default the second column.
        feature_names: the feature columns, in the model's feature order; default every other column.
        window: steps per sample; default the longest sequence (every sequence is then one sample).
        stride: steps between window starts.
        padding: ``"none"`` (short sequences are an error), ``"pre"`` or ``"post"``.
        pad_value: value of padded steps.
        expected_features: the model's feature count, checked against the columns.
        input_name: the key of the windowed array in ``Dataset.inputs``.
        source: file name for messages.
        line_offset: added to a 0-based row number to give the file line in messages (2 for a CSV with a
            header); None for sources without lines.

    Returns:
        A :class:`Dataset` with ``feature_names``, ``sequence_ids``, ``window_starts``, ``timestamps`` and
        (if padded) ``mask``.

    Raises:
        DataError: a named column is missing, a value is non-numeric or missing, a time repeats within a
            sequence, or a sequence is shorter than the window without padding.
        ShapeError: the number of feature columns differs from the model's.
    """
    where = f" in {source}" if source else ""
    columns = list(frame.columns)
    if len(columns) < 3 and (id_column is None or time_column is None or feature_names is None):
        raise DataError(
            f"A long table needs a sequence id column, a time column and feature columns; the table"
            f"{where} has only {columns}. Add an id column (one value for a single series)."
        )
    id_column = columns[0] if id_column is None else id_column
    time_column = columns[1] if time_column is None else time_column
    for role, column in (
        ("--id-column / id_column", id_column),
        ("--time-column / time_column", time_column),
    ):
        if column not in frame.columns:
            raise DataError(
                f"Column {column!r} ({role}) is not in the table{where}; its columns are {columns}."
            )
    if id_column == time_column:
        raise DataError(f"id_column and time_column are both {id_column!r}; they must differ.")
    if feature_names is None:
        features = [c for c in columns if c not in (id_column, time_column)]
    else:
        if isinstance(feature_names, str | bytes):
            raise OptionError(
                f"Argument `feature_names` must be a list of column names, received the string "
                f"{feature_names!r} (CLI: --features a,b,c)."
            )
        features = [str(name) for name in feature_names]
        reused = [name for name in features if name in (id_column, time_column)]
        if reused:
            raise DataError(
                f"Feature column(s) {reused}{where} are also the id or time column "
                f"({id_column!r}, {time_column!r}); a column can play one role only."
            )
        missing = [name for name in features if name not in frame.columns]
        if missing:
            raise DataError(
                f"Feature column(s) {missing} are not in the table{where}; its columns are {columns}."
            )
    if not features:
        raise DataError(
            f"The table{where} has no feature columns besides {id_column!r} and {time_column!r}."
        )
    if expected_features is not None and len(features) != expected_features:
        fewer = "too few" if len(features) < expected_features else "too many"
        raise ShapeError(
            f"The model expects {expected_features} feature(s) per step but the table{where} has "
            f"{len(features)} feature column(s) {features} ({fewer}). "
            + (
                "Add the missing feature columns."
                if fewer == "too few"
                else "Choose the model's features with feature_names (CLI --features a,b,...)."
            )
        )
    ids = frame[id_column]
    _check_present(ids, id_column, where, line_offset)
    times = _parse_times(frame[time_column], time_column, where, line_offset)
    values = np.column_stack(
        [_numeric_column(frame[name], name, where, line_offset) for name in features]
    )
    _check_float32_range(values, features, where, line_offset)
    values = values.astype(np.float32)
    try:
        codes, uniques = pd.factorize(ids, sort=False)
    except TypeError:  # unhashable cells, such as lists in a Parquet column
        raise DataError(
            f"Id column {id_column!r}{where} must hold one plain value (a number or a string) per row, "
            f"received {type(ids.iloc[0]).__name__} values. Pick the right column with id_column "
            "(CLI --id-column)."
        ) from None
    order = np.lexsort((_sortable(times), codes))
    codes_sorted = codes[order]
    times_sorted = times[order]
    bounds = np.flatnonzero(np.diff(codes_sorted)) + 1
    groups = np.split(np.arange(len(order)), bounds)
    _check_unique_times(times_sorted, codes_sorted, uniques, order, time_column, where, line_offset)
    sequences = [values[order[g]] for g in groups]
    if window is None:
        window = max(len(g) for g in groups)
    windows = window_sequences(
        sequences, window, stride=stride, padding=padding, pad_value=pad_value, names=list(uniques)
    )
    seq_times = [times_sorted[g] for g in groups]
    timestamps = _window_times(seq_times, windows.sequence, windows.positions, times.dtype)
    return Dataset(
        inputs={input_name: windows.values},
        feature_names=tuple(features),
        sequence_ids=np.asarray(uniques)[windows.sequence],
        window_starts=windows.start,
        timestamps=timestamps,
        mask=windows.mask if windows.padded else None,
        source=source,
    )


def _row_ref(position: int, line_offset: int | None) -> str:
    if line_offset is None:
        return f"row {position}"
    return f"row {position} (line {position + line_offset} of the file)"


def _check_present(column: pd.Series, name: str, where: str, line_offset: int | None) -> None:
    missing = np.flatnonzero(column.isna().to_numpy())
    if missing.size:
        raise DataError(
            f"Column {name!r}{where} is empty at {_row_ref(int(missing[0]), line_offset)}"
            f" ({missing.size} empty cell(s) in all). Fill or drop those rows."
        )


def _numeric_column(
    column: pd.Series, name: str, where: str, line_offset: int | None
) -> np.ndarray:
    _check_present(column, name, where, line_offset)
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=np.float64)
    else:
        converted = pd.to_numeric(column, errors="coerce")
        bad = np.flatnonzero(converted.isna().to_numpy())
        if bad.size:
            first = int(bad[0])
            raise DataError(
                f"Column {name!r}{where} must be numeric but holds {column.iloc[first]!r} at "
                f"{_row_ref(first, line_offset)} ({bad.size} non-numeric cell(s) in all). Encode text "
                "features as numbers, or leave the column out with feature_names (CLI --features)."
            )
        values = converted.to_numpy(dtype=np.float64)
    infinite = np.flatnonzero(~np.isfinite(values))
    if infinite.size:
        first = int(infinite[0])
        raise DataError(
            f"Column {name!r}{where} holds {values[first]} at {_row_ref(first, line_offset)}; "
            "values must be finite."
        )
    return values


def _check_float32_range(
    values: np.ndarray, features: list[str], where: str, line_offset: int | None
) -> None:
    """Values that overflow float32 would silently become inf in the model; refuse them by name."""
    limit = np.finfo(np.float32).max
    too_big = np.abs(values) > limit
    if too_big.any():
        row, column = (int(i) for i in np.argwhere(too_big)[0])
        raise DataError(
            f"Column {features[column]!r}{where} holds {values[row, column]:.3g} at {_row_ref(row, line_offset)}, beyond the "
            f"float32 range (+-{limit:.3g}) the model computes in. Rescale the feature."
        )


def _parse_times(column: pd.Series, name: str, where: str, line_offset: int | None) -> np.ndarray:
    _check_present(column, name, where, line_offset)
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return column.to_numpy()
    try:
        return pd.to_datetime(column, format="ISO8601").to_numpy()
    except (ValueError, TypeError):
        pass
    converted = pd.to_numeric(column, errors="coerce")
    bad = np.flatnonzero(converted.isna().to_numpy())
    if bad.size == 0:
        return converted.to_numpy()
    first = int(bad[0])
    raise DataError(
        f"Time column {name!r}{where} must hold numbers or ISO dates; {column.iloc[first]!r} at "
        f"{_row_ref(first, line_offset)} is neither. Pick the right column with time_column "
        "(CLI --time-column)."
    )


def _plain(value: Any) -> str:
    """A value as a user wrote it: ``10``, not ``np.int64(10)``."""
    if isinstance(value, np.datetime64):
        return str(value)
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)


def _sortable(times: np.ndarray) -> np.ndarray:
    if np.issubdtype(times.dtype, np.datetime64):
        return times.astype("datetime64[ns]").astype(np.int64)
    return times


def _check_unique_times(
    times: np.ndarray,
    codes: np.ndarray,
    uniques: Any,
    order: np.ndarray,
    name: str,
    where: str,
    line_offset: int | None,
) -> None:
    same = (codes[1:] == codes[:-1]) & (times[1:] == times[:-1])
    if same.any():
        i = int(np.flatnonzero(same)[0])
        rows = sorted((int(order[i]), int(order[i + 1])))
        raise DataError(
            f"Sequence {_plain(uniques[codes[i]])}{where} has two rows at {name} = {_plain(times[i])} "
            f"({_row_ref(rows[0], line_offset)} and {_row_ref(rows[1], line_offset)}). "
            "Each (id, time) pair must appear once; aggregate or drop duplicates."
        )


def _window_times(
    seq_times: list[np.ndarray], sequence: np.ndarray, positions: np.ndarray, dtype: np.dtype[Any]
) -> np.ndarray:
    """``(n_windows, window)`` time of each step; NaT / NaN where the step is padding."""
    flat = np.concatenate(seq_times)
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in seq_times])[:-1]])
    index = offsets[sequence][:, None] + np.maximum(positions, 0)
    out = flat[index]
    real = positions >= 0
    if real.all():
        return out
    if np.issubdtype(dtype, np.datetime64):
        out[~real] = np.datetime64("NaT")
        return out
    out = out.astype(np.float64)
    out[~real] = np.nan
    return out
