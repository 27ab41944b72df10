"""The packaged FD001 data: exact against NASA's text files when present, self-consistent always."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlens.datasets import cmapss
from rnnlens.datasets.cmapss import (
    COLUMNS,
    INFORMATIVE_SENSORS,
    CmapssScaler,
    load_cmapss_fd001,
    load_cmapss_fd001_frame,
)
from rnnlens.errors import DataError, ShapeError

SENSOR_COLUMNS = [COLUMNS.index(name) for name in INFORMATIVE_SENSORS]


@pytest.fixture
def data(fd001):
    return fd001


def _engine_rows(table: np.ndarray) -> dict[int, np.ndarray]:
    return {int(u): table[table[:, 0] == u] for u in np.unique(table[:, 0])}


# --- against NASA's text files ---------------------------------------------------------------------------


@pytest.mark.parametrize("split", ["train", "test"])
def test_frame_equals_text_file_exactly(raw, split):
    frame = load_cmapss_fd001_frame(split)
    np.testing.assert_array_equal(frame[list(COLUMNS)].to_numpy(dtype=np.float64), raw[split])


def test_scaler_is_train_mean_and_population_std(raw, data):
    sensors = raw["train"][:, SENSOR_COLUMNS]
    np.testing.assert_allclose(data.scaler.mean, sensors.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(data.scaler.std, sensors.std(axis=0), rtol=1e-12)


def test_train_windows_match_text_file(raw, data):
    engines = _engine_rows(raw["train"])
    assert len(data.x_train) == sum(len(rows) - 30 + 1 for rows in engines.values())
    mean, std = raw["train"][:, SENSOR_COLUMNS].mean(0), raw["train"][:, SENSOR_COLUMNS].std(0)
    picks = np.r_[
        0, len(data.x_train) - 1, np.random.default_rng(0).integers(0, len(data.x_train), 60)
    ]
    for i in picks:
        rows = engines[int(data.unit_train[i])]
        first = int(data.cycle_train[i, 0])
        window = rows[first - 1 : first - 1 + 30]  # cycles are 1..n in file order
        np.testing.assert_array_equal(data.cycle_train[i], window[:, 1])
        expected = (window[:, SENSOR_COLUMNS] - mean) / std
        np.testing.assert_allclose(data.x_train[i], expected, rtol=0, atol=2e-6)
        rul = rows[:, 1].max() - window[-1, 1]
        assert data.y_train_raw[i] == rul
        assert data.y_train[i] == min(rul, 125)


def test_test_windows_and_truth_match_text_files(raw):
    data = load_cmapss_fd001(normalize=False, rul_cap=None)
    np.testing.assert_array_equal(data.y_test_raw, raw["rul"])
    np.testing.assert_array_equal(data.y_test, raw["rul"].astype(np.float32))
    for i, (unit, rows) in enumerate(sorted(_engine_rows(raw["test"]).items())):
        assert data.unit_test[i] == unit
        np.testing.assert_array_equal(data.x_test[i], rows[-30:, SENSOR_COLUMNS].astype(np.float32))
        np.testing.assert_array_equal(data.cycle_test[i], rows[-30:, 1])
        horizon_rul = raw["rul"][i] + rows[-30:, 1].max() - rows[-30:, 1]
        np.testing.assert_array_equal(data.failure_test[i], horizon_rul <= 30)


def test_short_test_engines_are_padded_with_their_first_row(raw):
    window = 40  # longer than the shortest test engine (31 cycles)
    data = load_cmapss_fd001(window=window, normalize=False)
    engines = sorted(_engine_rows(raw["test"]).items())
    padded = [i for i, (_, rows) in enumerate(engines) if len(rows) < window]
    assert padded, "FD001 has test engines shorter than 40 cycles"
    for i in padded:
        rows = engines[i][1]
        pad = window - len(rows)
        assert data.padding_test[i] == pad
        np.testing.assert_array_equal(
            data.x_test[i, pad:], rows[:, SENSOR_COLUMNS].astype(np.float32)
        )
        np.testing.assert_array_equal(
            data.x_test[i, :pad], np.repeat(rows[:1, SENSOR_COLUMNS], pad, 0).astype(np.float32)
        )
        np.testing.assert_array_equal(data.cycle_test[i, : pad + 1], 1)
    assert np.all(data.padding_test[[i for i in range(100) if i not in padded]] == 0)


def test_packing_the_text_files_reproduces_the_shipped_file(raw_dir, train_tool, tmp_path):
    train_tool.pack(raw_dir, tmp_path)
    with np.load(cmapss.DATA_FILE) as shipped, np.load(tmp_path / cmapss.DATA_FILE.name) as rebuilt:
        assert sorted(shipped.files) == sorted(rebuilt.files)
        for key in shipped.files:
            np.testing.assert_array_equal(shipped[key], rebuilt[key], err_msg=key)
    assert (tmp_path / "CMAPSS_FD001_SOURCE.md").read_text() == (
        cmapss.FILES / "CMAPSS_FD001_SOURCE.md"
    ).read_text()


# --- internal consistency (no raw files needed) ----------------------------------------------------------


def test_shapes_dtypes_and_names(data):
    n = len(data.x_train)
    assert data.x_train.shape == (n, 30, 14) and data.x_train.dtype == np.float32
    assert data.x_test.shape == (100, 30, 14) and data.x_test.dtype == np.float32
    for name, shape in [
        ("y_train", (n,)), ("y_train_raw", (n,)), ("unit_train", (n,)), ("cycle_train", (n, 30)),
        ("failure_train", (n, 30)), ("y_test", (100,)), ("y_test_raw", (100,)), ("unit_test", (100,)),
        ("cycle_test", (100, 30)), ("failure_test", (100, 30)), ("padding_test", (100,)),
    ]:  # fmt: skip
        assert getattr(data, name).shape == shape, name
    assert data.feature_names == INFORMATIVE_SENSORS == data.scaler.feature_names
    assert set(data.feature_names) <= set(cmapss.SENSOR_INFO)
    assert np.all(np.isfinite(data.x_train)) and np.all(np.isfinite(data.x_test))


def test_window_count_matches_engine_lengths():
    frame = load_cmapss_fd001_frame("train")
    lengths = frame.groupby("unit").size()
    for window in (1, 30, 128):
        data = load_cmapss_fd001(window=window)
        assert len(data.x_train) == int((lengths - window + 1).sum())


def test_windows_are_consecutive_cycles_of_one_engine(data):
    np.testing.assert_array_equal(np.diff(data.cycle_train, axis=1), 1)
    np.testing.assert_array_equal(np.diff(data.cycle_test, axis=1), 1)  # no padding at window 30
    same = data.unit_train[1:] == data.unit_train[:-1]
    # consecutive windows of one engine overlap in all but one row, and RUL drops by one cycle
    np.testing.assert_array_equal(data.x_train[1:][same, :-1], data.x_train[:-1][same, 1:])
    np.testing.assert_array_equal(data.y_train_raw[:-1][same] - data.y_train_raw[1:][same], 1)


def test_training_engines_run_to_failure(data):
    last = np.r_[data.unit_train[1:] != data.unit_train[:-1], True]
    assert last.sum() == 100
    np.testing.assert_array_equal(data.y_train_raw[last], 0)
    np.testing.assert_array_equal(
        data.failure_train[last], (np.arange(29, -1, -1) <= 30)[None].repeat(100, 0)
    )


def test_rul_cap_and_failure_labels(data):
    np.testing.assert_array_equal(data.y_train, np.minimum(data.y_train_raw, 125))
    np.testing.assert_array_equal(data.y_test, np.minimum(data.y_test_raw, 125))
    np.testing.assert_array_equal(data.failure_train[:, -1], data.y_train_raw <= 30)
    np.testing.assert_array_equal(data.failure_test[:, -1], data.y_test_raw <= 30)
    # RUL only decreases along a window, so the label never switches back off
    assert np.all(np.diff(data.failure_train, axis=1) >= 0)
    uncapped = load_cmapss_fd001(rul_cap=None, failure_horizon=10)
    np.testing.assert_array_equal(uncapped.y_train, uncapped.y_train_raw)
    assert uncapped.y_train.max() > 125
    np.testing.assert_array_equal(uncapped.failure_train[:, -1], uncapped.y_train_raw <= 10)


def test_normalisation_round_trips(data):
    raw_units = load_cmapss_fd001(normalize=False)
    np.testing.assert_allclose(
        data.scaler.inverse_transform(data.x_test), raw_units.x_test, rtol=1e-6
    )
    # sensor units in float32 carry a rounding error of half a float32 spacing, magnified by 1 / std
    tolerance = np.spacing(np.abs(raw_units.x_train).max(axis=(0, 1))) / data.scaler.std + 1e-6
    error = np.abs(data.scaler.transform(raw_units.x_train) - data.x_train).max(axis=(0, 1))
    assert np.all(error <= tolerance)
    frame = load_cmapss_fd001_frame("train")
    scaled = data.scaler.transform(frame[list(INFORMATIVE_SENSORS)].to_numpy()).astype(np.float64)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-5)


def test_test_windows_end_at_each_engines_last_cycle(data):
    frame = load_cmapss_fd001_frame("test")
    last = frame.groupby("unit").tail(1)
    np.testing.assert_array_equal(data.cycle_test[:, -1], last["cycle"])
    np.testing.assert_array_equal(data.y_test_raw, last["rul"])
    expected = data.scaler.transform(last[list(INFORMATIVE_SENSORS)].to_numpy())
    np.testing.assert_array_equal(data.x_test[:, -1], expected)


def test_frame_rul_runs_down_to_zero_or_truth():
    train = load_cmapss_fd001_frame("train")
    assert (train.groupby("unit")["rul"].min() == 0).all()
    np.testing.assert_array_equal(
        train.groupby("unit")["rul"].max() + 1, train.groupby("unit").size()
    )


def test_scaler_round_trip_through_dict(data):
    back = CmapssScaler.from_dict(data.scaler.to_dict())
    assert back.feature_names == data.scaler.feature_names
    np.testing.assert_array_equal(back.mean, data.scaler.mean)
    np.testing.assert_array_equal(back.std, data.scaler.std)


@settings(max_examples=8)
@given(window=st.integers(1, 128), cap=st.integers(1, 400))
def test_any_window_keeps_the_last_cycle_and_truth(window, cap):
    data = load_cmapss_fd001(window=window, rul_cap=cap)
    reference = load_cmapss_fd001(window=1, rul_cap=cap)
    assert data.x_test.shape == (100, window, 14)
    np.testing.assert_array_equal(data.x_test[:, -1], reference.x_test[:, -1])
    np.testing.assert_array_equal(data.y_test, np.minimum(data.y_test_raw, cap))
    assert np.all(data.padding_test == np.maximum(0, window - (reference.cycle_test[:, -1])))


def test_package_files_are_compact_and_cite_the_source():
    assert cmapss.DATA_FILE.stat().st_size < 2_000_000
    source = (cmapss.FILES / "CMAPSS_FD001_SOURCE.md").read_text(encoding="utf-8")
    assert "Saxena" in source and "sha256" in source
    assert not list(cmapss.FILES.glob("*.txt")), "raw text files must not ship in the package"


def test_public_names_are_reachable():
    import rnnlens
    import rnnlens.datasets

    assert rnnlens.datasets.load_cmapss_fd001 is load_cmapss_fd001
    assert rnnlens.load_cmapss_fd001 is load_cmapss_fd001
    assert rnnlens.load_demo_models is cmapss.load_demo_models


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"window": 0}, ["`window`", "between 1 and 128", "received 0"]),
        ({"window": 129}, ["`window`", "received 129"]),
        ({"window": 2.5}, ["`window`", "integer", "2.5"]),
        ({"window": True}, ["`window`", "integer"]),
        ({"rul_cap": 0}, ["`rul_cap`", ">= 1"]),
        ({"rul_cap": "125"}, ["`rul_cap`", "integer", "'125'"]),
        ({"failure_horizon": -1}, ["`failure_horizon`", ">= 0"]),
        ({"normalize": "yes"}, ["`normalize`", "True or False", "'yes'"]),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, words):
    with pytest.raises(DataError) as info:
        load_cmapss_fd001(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_bad_split_and_scaler_shape():
    with pytest.raises(DataError, match="`split` must be 'train' or 'test', received 'val'"):
        load_cmapss_fd001_frame("val")
    scaler = load_cmapss_fd001(window=1).scaler
    with pytest.raises(
        ShapeError, match=r"14 features on its last axis .* received shape \(2, 13\)"
    ):
        scaler.transform(np.zeros((2, 13)))
    with pytest.raises(DataError, match="`scaled` must be numeric"):
        scaler.inverse_transform([["a"] * 14])


@pytest.mark.parametrize("content", [None, b"not a zip file", b"PK\x03\x04broken"])
def test_missing_or_damaged_data_file(monkeypatch, tmp_path: Path, content):
    path = tmp_path / "cmapss_fd001.npz"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(cmapss, "DATA_FILE", path)
    cmapss._raw.cache_clear()
    try:
        with pytest.raises(DataError, match="missing" if content is None else "damaged"):
            load_cmapss_fd001()
    finally:
        monkeypatch.undo()
        cmapss._raw.cache_clear()
