"""Sequences from a Parquet long table or a folder of Parquet shards, read a chunk at a time.

Opening reads the id column alone, to find each sequence's rows (its rows must be consecutive and in one
shard); reading a chunk reads only the row groups holding its sequences, then windows them with
:func:`rnnlens.data.tables.table_to_dataset` (the validation and messages every rnnlens command uses).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.errors import DataError, OptionError, ShapeError
from rnnlens.fleet.chunks import ChunkSpec, SequenceChunk
from rnnlens.fleet.formats import InputFormat, file_fingerprint

__all__ = ["TableSource"]

_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


class TableSource:
    """See the module docstring; build it with :meth:`open`."""

    def __init__(self, **fields: Any) -> None:
        self.files: list[Path] = fields["files"]
        self.model_input: InputFormat = fields["model_input"]
        self.id_column: str = fields["id_column"]
        self.time_column: str = fields["time_column"]
        self.feature_names: tuple[str, ...] | None = fields["feature_names"]
        self.window: int = fields["window"]
        self.padding: str = fields["padding"]
        self.pad_value: float = fields["pad_value"]
        self.ids: np.ndarray = fields["ids"]
        self.file_of: np.ndarray = fields["file_of"]
        self.row_start: np.ndarray = fields["row_start"]
        self.row_stop: np.ndarray = fields["row_stop"]
        self.fingerprint: str = fields["fingerprint"]
        self.id_type = "int64" if self.ids.dtype.kind in "iu" else "string"
        self.n_sequences = len(self.ids)
        where = self.files[0].parent if len(self.files) > 1 else self.files[0]
        self.description = f"{where.name} ({self.n_sequences} sequences, {len(self.files)} file(s))"
        self._readers: dict[int, Any] = {}

    @classmethod
    def open(
        cls,
        path: Path,
        model_input: InputFormat,
        *,
        id_column: str | None,
        time_column: str | None,
        feature_columns: tuple[str, ...] | None,
        window: int | None,
        padding: str,
        pad_value: float,
    ) -> TableSource:
        import pyarrow.parquet as pq

        if model_input.tokens:
            raise ShapeError(
                f"A long table feeds feature vectors (batch, time, features), but the model's input "
                f"{model_input.name!r} takes token ids. Use an .npy / .npz file of token ids."
            )
        files = _shards(path)
        try:
            schema = pq.read_schema(files[0])
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise DataError(f"Could not read {files[0].name} as Parquet: {exc}") from exc
        # pandas stores a non-default index as a column; pd.read_parquet (and so load_data) drops it.
        columns = [name for name in schema.names if not _PANDAS_INDEX.fullmatch(name)]
        id_column = columns[0] if id_column is None else id_column
        time_column = (
            (columns[1] if len(columns) > 1 else "") if time_column is None else time_column
        )
        for role, column in (
            ("id_column (CLI --id-column)", id_column),
            ("time_column", time_column),
        ):
            if column not in columns:
                raise DataError(
                    f"Column {column!r} ({role}) is not in {files[0].name}; its columns are {columns}."
                )
        features = (
            tuple(c for c in columns if c not in (id_column, time_column))
            if feature_columns is None
            else tuple(feature_columns)
        )
        missing = [name for name in features if name not in columns]
        if missing:
            raise DataError(
                f"Feature column(s) {missing} are not in {files[0].name}; its columns are {columns}."
            )
        if model_input.features is not None and len(features) != model_input.features:
            raise ShapeError(
                f"The model expects {model_input.features} feature(s) per step but {files[0].name} "
                f"has {len(features)} feature column(s) {list(features)}. Choose the model's features "
                "with feature_columns (CLI --features a,b,...)."
            )
        steps = window if window is not None else model_input.timesteps
        if steps is None:
            raise OptionError(
                "The model takes sequences of any length; give the steps to explain per sequence with "
                "`window` (CLI --table-window)."
            )
        if model_input.timesteps not in (None, steps):
            raise ShapeError(
                f"Argument `window` is {steps} but the model takes exactly {model_input.timesteps} "
                "steps. Leave it unset to use the model's length."
            )
        ids, file_of, starts, stops = _index(files, id_column)
        options = {
            "id": id_column,
            "time": time_column,
            "features": list(features),
            "window": steps,
            "padding": padding,
            "pad_value": pad_value,
        }
        return cls(
            files=files,
            model_input=model_input,
            id_column=id_column,
            time_column=time_column,
            feature_names=features,
            window=int(steps),
            padding=padding,
            pad_value=float(pad_value),
            ids=ids,
            file_of=file_of,
            row_start=starts,
            row_stop=stops,
            fingerprint=file_fingerprint("table", files, options),
        )

    def read(self, spec: ChunkSpec) -> SequenceChunk:
        import pandas as pd

        from rnnlens.data.tables import table_to_dataset

        frames = []
        for file_index in np.unique(self.file_of[spec.start : spec.stop]):
            chosen = np.flatnonzero(self.file_of[spec.start : spec.stop] == file_index) + spec.start
            frames.append(
                self._rows(
                    int(file_index), int(self.row_start[chosen[0]]), int(self.row_stop[chosen[-1]])
                )
            )
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame = _last_steps(frame, self.id_column, self.time_column, self.window)
        what = f"{self.description}, sequences {spec.start} to {spec.stop - 1}"
        dataset = table_to_dataset(
            frame,
            id_column=self.id_column,
            time_column=self.time_column,
            feature_names=list(self.feature_names or ()),
            window=self.window,
            stride=self.window,
            padding=self.padding,  # type: ignore[arg-type]
            pad_value=self.pad_value,
            expected_features=self.model_input.features,
            input_name=self.model_input.name,
            source=what,
            line_offset=None,
        )
        ids = self.ids[spec.start : spec.stop]
        inputs = self.model_input.check(dataset.inputs[self.model_input.name], what, ids)
        if len(inputs) != len(ids):  # pragma: no cover - one window per sequence by construction
            raise DataError(f"{what}: expected {len(ids)} sequences, read {len(inputs)}.")
        return SequenceChunk(spec=spec, ids=ids, inputs=inputs, mask=dataset.mask)

    def _rows(self, file_index: int, start: int, stop: int) -> Any:
        """Rows ``[start, stop)`` of a shard, reading only the row groups that hold them."""
        import pyarrow.parquet as pq

        reader = self._readers.get(file_index)
        if reader is None:
            reader = self._readers[file_index] = pq.ParquetFile(self.files[file_index])
        metadata = reader.metadata
        bounds = np.cumsum(
            [0] + [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        )
        first = int(np.searchsorted(bounds, start, side="right") - 1)
        last = int(np.searchsorted(bounds, stop, side="left"))
        columns = [self.id_column, self.time_column, *(self.feature_names or ())]
        table = reader.read_row_groups(list(range(first, last)), columns=columns)
        offset = start - int(bounds[first])
        return table.slice(offset, stop - start).to_pandas()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_readers": {}}  # workers open the files themselves


def _shards(path: Path) -> list[Path]:
    from rnnlens.data.files import regular_file

    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.suffix.lower() in (".parquet", ".pq") and not p.name.startswith((".", "_"))
        )
        if not files:
            raise DataError(
                f"The folder {str(path)!r} holds no Parquet shards (*.parquet); a fleet folder holds "
                "one or more long tables with the same columns."
            )
        return files
    return [regular_file(path, "Data file")]


def _index(
    files: list[Path], id_column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per sequence (in order of first appearance): its id, shard, first row and end row."""
    import pandas as pd
    import pyarrow.parquet as pq

    ids, file_of, starts, stops = [], [], [], []
    seen: dict[Any, str] = {}
    for index, file in enumerate(files):
        try:
            column = pq.read_table(file, columns=[id_column]).column(0).to_pandas()
        except (
            Exception
        ) as exc:  # pyarrow raises several types for damaged files or missing columns
            raise DataError(f"Could not read column {id_column!r} of {file.name}: {exc}") from exc
        if column.isna().any():
            row = int(np.flatnonzero(column.isna().to_numpy())[0])
            raise DataError(f"Column {id_column!r} of {file.name} is empty at row {row}.")
        values = column.to_numpy()
        if len(values) == 0:
            continue
        change = np.flatnonzero(values[1:] != values[:-1]) + 1
        run_starts = np.concatenate([[0], change])
        run_ids = values[run_starts]
        codes, uniques = pd.factorize(run_ids)
        if len(uniques) != len(run_ids):
            repeated = run_ids[np.flatnonzero(np.bincount(codes) > 1)[0]]
            raise DataError(
                f"The rows of sequence {_plain(repeated)} in {file.name} are not consecutive. Sort the "
                f"table by {id_column!r} (rows of one sequence together) before `rnnlens batch`."
            )
        for value in run_ids:
            key = _plain(value)
            if key in seen:
                raise DataError(
                    f"Sequence {key} has rows in both {seen[key]} and {file.name}; keep each sequence "
                    "in one shard."
                )
            seen[key] = file.name
        ids.append(run_ids)
        file_of.append(np.full(len(run_ids), index, dtype=np.int32))
        starts.append(run_starts.astype(np.int64))
        stops.append(np.concatenate([change, [len(values)]]).astype(np.int64))
    if not ids:
        raise ShapeError("The table holds 0 rows, so 0 sequences; a fleet needs at least one.")
    all_ids = np.concatenate(ids)
    all_ids = all_ids.astype(np.int64) if all_ids.dtype.kind in "iu" else all_ids.astype(str)
    return all_ids, np.concatenate(file_of), np.concatenate(starts), np.concatenate(stops)


def _last_steps(frame: Any, id_column: str, time_column: str, window: int) -> Any:
    """Each sequence's last ``window`` rows by time (all of them when it is no longer)."""
    import pandas as pd

    sizes = frame.groupby(id_column, sort=False).size()
    if int(sizes.max()) <= window:
        return frame
    times = frame[time_column]
    if not (pd.api.types.is_numeric_dtype(times) or pd.api.types.is_datetime64_any_dtype(times)):
        parsed = pd.to_datetime(times, format="ISO8601", errors="coerce")
        times = parsed if not parsed.isna().any() else pd.to_numeric(times, errors="coerce")
    order = (
        frame.assign(_time=times.to_numpy()).sort_values([id_column, "_time"], kind="stable").index
    )
    ordered = frame.loc[order]
    trimmed = ordered.groupby(id_column, sort=False).tail(window)
    # table_to_dataset keeps sequences in order of first appearance: restore the source order.
    rank = {key: i for i, key in enumerate(pd.unique(frame[id_column]))}
    return trimmed.sort_values(id_column, key=lambda s: s.map(rank), kind="stable").reset_index(
        drop=True
    )


def _plain(value: Any) -> str:
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)
