"""Long tables (id, time, features) become windows equal to a plain per-sequence slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnlens.data import load_data, read_table, table_to_dataset
from rnnlens.errors import DataError, OptionError, ShapeError


def long_table(lengths=(12, 15), seed=0) -> pd.DataFrame:
    """Two sensors' readings, rows shuffled so grouping and sorting are exercised."""
    rng = np.random.default_rng(seed)
    rows = []
    for sid, length in zip(("unit-a", "unit-b"), lengths, strict=False):
        for t in range(length):
            rows.append((sid, t * 10, rng.normal(), rng.normal(), rng.normal()))
    frame = pd.DataFrame(rows, columns=["unit", "cycle", "temp", "pressure", "rpm"])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def reference_windows(frame, features, window, stride):
    """Independent construction: filter each id, sort by time, slice."""
    out, ids, starts, times = [], [], [], []
    for sid in frame["unit"].unique():
        seq = frame[frame["unit"] == sid].sort_values("cycle")
        values = seq[features].to_numpy("float32")
        for start in range(0, len(seq) - window + 1, stride):
            out.append(values[start : start + window])
            ids.append(sid)
            starts.append(start)
            times.append(seq["cycle"].to_numpy()[start : start + window])
    return np.stack(out), ids, starts, np.stack(times)


@pytest.mark.parametrize(("window", "stride"), [(10, 1), (5, 3), (12, 4)])
def test_csv_windows_match_a_plain_slice(tmp_path, window, stride):
    frame = long_table()
    path = tmp_path / "sensors.csv"
    frame.to_csv(path, index=False)
    data = load_data(path, window=window, stride=stride)
    features = ["temp", "pressure", "rpm"]
    values, ids, starts, times = reference_windows(frame, features, window, stride)
    np.testing.assert_array_equal(data.inputs["x"], values)
    assert data.feature_names == tuple(features)
    assert data.sequence_ids.tolist() == ids
    assert data.window_starts.tolist() == starts
    np.testing.assert_array_equal(data.timestamps, times)
    assert data.mask is None


def test_parquet_reads_like_csv_and_honours_named_columns(tmp_path):
    frame = long_table()[["rpm", "temp", "cycle", "unit", "pressure"]]
    frame.to_parquet(tmp_path / "s.parquet")
    frame.to_csv(tmp_path / "s.csv", index=False)
    kwargs = {
        "id_column": "unit",
        "time_column": "cycle",
        "feature_names": ["temp", "rpm"],
        "window": 6,
    }
    parquet = load_data(tmp_path / "s.parquet", **kwargs)
    csv = load_data(tmp_path / "s.csv", **kwargs)
    np.testing.assert_allclose(parquet.inputs["x"], csv.inputs["x"])
    assert parquet.feature_names == ("temp", "rpm")
    values, *_ = reference_windows(frame, ["temp", "rpm"], 6, 1)
    np.testing.assert_array_equal(parquet.inputs["x"], values)


def test_iso_dates_sort_as_dates_and_padding_masks_steps():
    frame = pd.DataFrame(
        {
            "id": ["s"] * 3,
            "when": ["2024-01-03", "2024-01-01", "2024-01-02"],
            "v": [3.0, 1.0, 2.0],
        }
    )
    data = table_to_dataset(frame, window=5, padding="pre")
    np.testing.assert_array_equal(data.inputs["x"][0, :, 0], [0, 0, 1, 2, 3])
    np.testing.assert_array_equal(data.mask[0], [False, False, True, True, True])
    assert np.isnat(data.timestamps[0, 0])
    assert str(data.timestamps[0, 2])[:10] == "2024-01-01"


def test_window_defaults_to_the_model_length(tmp_path, forecaster_3):
    long_table().to_csv(tmp_path / "s.csv", index=False)
    data = load_data(tmp_path / "s.csv", forecaster_3)
    assert data.inputs["series"].shape == (3 + 6, 10, 3)
    assert data.model_inputs(forecaster_3)[0].shape == (9, 10, 3)


def test_window_that_contradicts_the_model_is_refused(tmp_path, forecaster_3):
    long_table().to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(
        ShapeError, match="`window` is 5 but the model's input 'series' takes exactly 10"
    ):
        load_data(tmp_path / "s.csv", forecaster_3, window=5)


def test_too_few_features_names_the_columns(tmp_path, forecaster_3):
    long_table().drop(columns="rpm").to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(
        ShapeError, match=r"expects 3 feature\(s\).*\['temp', 'pressure'\] \(too few\)"
    ):
        load_data(tmp_path / "s.csv", forecaster_3)


def test_missing_column_is_named_with_the_available_ones(tmp_path):
    long_table().to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(DataError, match=r"Column 'engine' \(--id-column.*'unit', 'cycle'"):
        load_data(tmp_path / "s.csv", id_column="engine")
    with pytest.raises(
        DataError, match=r"Feature column\(s\) \['vibration'\] are not in the table"
    ):
        load_data(tmp_path / "s.csv", feature_names=["temp", "vibration"])


def test_non_numeric_value_names_column_value_and_line(tmp_path):
    frame = long_table().astype({"pressure": object})
    frame.loc[7, "pressure"] = "n/a-ish"
    frame.to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(
        DataError, match=r"Column 'pressure'.*'n/a-ish' at row 7 \(line 9 of the file\)"
    ):
        load_data(tmp_path / "s.csv", window=5)


def test_empty_cell_and_repeated_time_are_reported(tmp_path):
    frame = long_table()
    frame.loc[3, "temp"] = np.nan
    frame.to_csv(tmp_path / "nan.csv", index=False)
    with pytest.raises(DataError, match=r"Column 'temp' in nan.csv is empty at row 3"):
        load_data(tmp_path / "nan.csv", window=5)
    frame = long_table()
    dup = frame.iloc[[0]]
    pd.concat([frame, dup]).to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(
        DataError, match=r"two rows at cycle = .*Each \(id, time\) pair must appear once"
    ):
        load_data(tmp_path / "dup.csv", window=5)


def test_sequence_shorter_than_window_is_named(tmp_path):
    long_table(lengths=(12, 4)).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(DataError, match="Sequence 'unit-b' has 4 step"):
        load_data(tmp_path / "s.csv", window=10)


def test_unreadable_and_empty_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty.csv is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="Could not read bad.parquet as a table"):
        read_table(tmp_path / "bad.parquet")
    (tmp_path / "two.csv").write_text("t,v\n0,1\n")
    with pytest.raises(DataError, match="needs a sequence id column"):
        load_data(tmp_path / "two.csv")


def test_truncated_and_damaged_parquet(tmp_path):
    long_table().to_parquet(tmp_path / "s.parquet")
    data = (tmp_path / "s.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="Could not read cut.parquet as a table"):
        load_data(tmp_path / "cut.parquet")
    (tmp_path / "zero.parquet").write_bytes(b"")
    with pytest.raises(DataError, match="Could not read zero.parquet"):
        load_data(tmp_path / "zero.parquet")


def test_a_column_plays_one_role(tmp_path):
    long_table().to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(DataError, match=r"Feature column\(s\) \['unit'\] in s.csv are also the id"):
        load_data(tmp_path / "s.csv", feature_names=["unit", "temp"])
    with pytest.raises(OptionError, match="`feature_names` must be a list of column names"):
        load_data(tmp_path / "s.csv", feature_names="temp")


@pytest.mark.parametrize("option", ["id_column", "time_column"])
def test_absent_id_or_time_column_is_named(tmp_path, option):
    long_table().to_parquet(tmp_path / "s.parquet")
    with pytest.raises(DataError, match=r"Column 'nope' \(--.*-column.*its columns are \['unit'"):
        load_data(tmp_path / "s.parquet", **{option: "nope"})


def test_values_beyond_float32_are_refused_by_row(tmp_path):
    (tmp_path / "s.csv").write_text("id,t,a\n1,0,1.5\n1,1,1e300\n")
    with pytest.raises(
        DataError, match=r"Column 'a' in s.csv holds 1e\+300 at row 1 \(line 3.*float32 range"
    ):
        load_data(tmp_path / "s.csv")


def test_id_cells_that_are_lists_are_refused(tmp_path):
    frame = pd.DataFrame({"id": [[1], [1]], "t": [0, 1], "a": [1.0, 2.0]})
    frame.to_parquet(tmp_path / "s.parquet")
    with pytest.raises(DataError, match="Id column 'id' in s.parquet must hold one plain value"):
        load_data(tmp_path / "s.parquet")


@pytest.mark.parametrize("pad_value", ["x", float("nan"), None])
def test_pad_value_must_be_a_finite_number(tmp_path, pad_value):
    long_table(lengths=(3, 4)).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(OptionError, match="`pad_value` must be a finite number"):
        load_data(tmp_path / "s.csv", window=5, padding="pre", pad_value=pad_value)
