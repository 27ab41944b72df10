"""Regression heads: values back in target units, each tied to the step and time it estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnlens.data import load_data
from rnnlens.decoding import decode, decode_regression, inverse_scale
from rnnlens.decoding._rows import RowContext
from rnnlens.errors import DataError, ShapeError


def test_forecaster_values_in_original_units(forecaster):
    x = np.random.default_rng(0).normal(size=(3, 10, 1)).astype("float32")
    result = decode(forecaster, x, scaler={"mean": 20.0, "std": 4.0})
    raw = forecaster.predict(x, verbose=0).reshape(-1).astype(np.float64)
    table = result.table
    assert result.kind == "regression" and len(table) == 30
    np.testing.assert_allclose(table["scaled_value"], raw, atol=1e-6)
    np.testing.assert_allclose(table["value"], raw * 4.0 + 20.0, atol=1e-5)
    np.testing.assert_array_equal(table["target_step"], table["step"])
    assert result.meta["scaler"].startswith("value * [4.0]")


def test_sklearn_scaler_fitted_on_every_feature_with_target_index():
    preprocessing = pytest.importorskip(
        "sklearn.preprocessing", reason="scikit-learn scaler cross-check"
    )
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(50, 3)) * [1, 10, 100] + [0, 5, -7]
    scaler = preprocessing.StandardScaler().fit(raw)
    scaled_target = scaler.transform(raw)[:, [2]]
    back = inverse_scale(scaled_target, scaler, target_index=2)
    np.testing.assert_allclose(back[:, 0], raw[:, 2], atol=1e-9)
    with pytest.raises(ShapeError, match=r"fitted on 3 column\(s\) but the output has 1 target"):
        inverse_scale(scaled_target, scaler)


def test_mean_std_per_target_and_bad_scalers():
    values = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(inverse_scale(values, ([10, 20], [2, 3])), [[12.0, 26.0]])
    with pytest.raises(DataError, match="needs 'mean' and 'std'"):
        inverse_scale(values, {"mu": 1})
    with pytest.raises(DataError, match="must have an inverse_transform method"):
        inverse_scale(values, "zscore")


def test_next_step_alignment_extrapolates_the_last_target_time():
    stamps = np.array(
        ["2024-01-01T00:00", "2024-01-01T01:00", "2024-01-01T02:00"], "datetime64[ns]"
    )
    context = RowContext(timestamps=stamps[None, :])
    table = decode_regression(np.array([[[1.0], [2.0], [3.0]]]), target_offset=1, context=context)
    assert table["target_step"].tolist() == [1, 2, 3]
    assert list(table["time"]) == list(pd.to_datetime(stamps))
    hour = pd.Timedelta(hours=1)
    assert list(table["target_time"]) == [t + hour for t in pd.to_datetime(stamps)]


def test_irregular_times_are_not_extrapolated():
    context = RowContext(timestamps=np.array([[0.0, 1.0, 5.0]]))
    table = decode_regression(np.ones((1, 3, 1)), target_offset=1, context=context)
    assert table["target_time"].tolist()[:2] == [1.0, 5.0]
    assert np.isnan(table["target_time"].iloc[2])


def test_horizon_output_gives_one_row_per_step_ahead():
    context = RowContext(timestamps=np.array([[10.0, 20.0, 30.0]]), sequence_ids=np.array(["u1"]))
    table = decode_regression(
        np.array([[0.1, 0.2]]), horizon=True, scaler=(0.0, 10.0), context=context
    )
    assert table["ahead"].tolist() == [1, 2]
    assert table["target_time"].tolist() == [40.0, 50.0]
    np.testing.assert_allclose(table["value"], [1.0, 2.0])
    assert table["sequence_id"].tolist() == ["u1", "u1"]
    with pytest.raises(ShapeError, match="`horizon=True` applies to many-to-one"):
        decode_regression(np.ones((1, 3, 1)), horizon=True)


def test_windowed_long_table_end_to_end(tmp_path, forecaster):
    """Every value is tied back to its sequence, position in the sequence and timestamp."""
    rng = np.random.default_rng(2)
    rows = []
    for unit, length in (("engine-1", 13), ("engine-2", 8)):
        for cycle in range(length):
            rows.append((unit, 100 + 5 * cycle, rng.normal()))
    frame = pd.DataFrame(rows, columns=["unit", "cycle", "vibration"]).sample(
        frac=1, random_state=2
    )
    frame.to_csv(tmp_path / "vib.csv", index=False)
    data = load_data(tmp_path / "vib.csv", forecaster, stride=3, padding="pre")
    assert data.feature_names == ("vibration",)
    result = decode(forecaster, data, target_offset=1)
    table = result.table
    assert result.meta["feature_names"] == ("vibration",)
    # engine-1: windows at 0 and 3; engine-2 (8 cycles) is one pre-padded window of 10 steps.
    assert table.groupby("sequence_id")["window_start"].unique().map(list).to_dict() == {
        "engine-1": [0, 3],
        "engine-2": [0],
    }
    assert len(table) == 2 * 10 + 8  # padded steps are dropped
    raw = forecaster.predict(data.inputs["series"], verbose=0)[..., 0]
    kept = raw[2][data.mask[2]]
    np.testing.assert_allclose(table[table.sequence_id == "engine-2"]["value"], kept, atol=1e-6)
    engine1 = table[(table.sequence_id == "engine-1") & (table.window_start == 3)]
    np.testing.assert_array_equal(engine1["target_position"], np.arange(4, 14))
    np.testing.assert_array_equal(engine1["time"], 100 + 5 * np.arange(3, 13))
    np.testing.assert_array_equal(engine1["target_time"], 100 + 5 * np.arange(4, 14))
