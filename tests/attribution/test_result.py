"""AttributionResult: named axes, tables, top-k, sums by time / feature, atomic saving."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnlens.attribution import AttributionResult, IntegratedGradients, Target, save_results
from rnnlens.errors import OutputError, ShapeError


def _result(values, axes=("sample", "time", "feature"), inputs=None, **kwargs):
    shape = values.shape if "output_time" not in axes else (values.shape[0], *values.shape[2:])
    return AttributionResult(
        values=values,
        axes=axes,
        input_name="series",
        method="saliency",
        target="output 'y', unit 0",
        inputs=inputs if inputs is not None else np.arange(np.prod(shape)).reshape(shape),
        outputs=np.zeros(values.shape[: 2 if "output_time" in axes else 1]),
        **kwargs,
    )


VALUES = np.array([[[1.0, -5.0], [0.5, 2.0], [0.0, -0.25]]])  # (1 sample, 3 steps, 2 features)


def test_sums_by_time_and_feature():
    result = _result(VALUES)
    np.testing.assert_array_equal(result.by_time(), [[-4.0, 2.5, -0.25]])
    np.testing.assert_array_equal(result.by_feature(), [[1.5, -3.25]])


def test_dataframe_has_one_row_per_cell_with_the_input_value():
    frame = _result(VALUES).to_dataframe()
    assert list(frame.columns) == ["sample", "time", "feature", "input", "attribution"]
    assert len(frame) == 6
    row = frame[(frame.time == 1) & (frame.feature == 1)].iloc[0]
    assert row.attribution == 2.0 and row.input == 3


def test_top_k_orders_by_absolute_attribution():
    top = _result(VALUES).top_k(3)
    assert list(zip(top.time, top.feature, strict=True)) == [(0, 1), (1, 1), (0, 0)]
    with pytest.raises(ShapeError, match="holds 1 samples"):
        _result(VALUES).top_k(2, sample=4)


def test_token_results_have_no_feature_axis():
    result = _result(np.array([[0.1, -0.3]]), axes=("sample", "token"), inputs=np.array([[7, 0]]))
    np.testing.assert_array_equal(result.by_time(), [[0.1, -0.3]])
    with pytest.raises(ShapeError, match="no feature axis"):
        result.by_feature()
    assert result.top_k(1).iloc[0].input == 0


def test_every_step_matrix_table(forecaster, series):
    result = IntegratedGradients(forecaster).attribute(
        series[:1], target=Target(time="all"), n_steps=4
    )
    frame = result.to_dataframe()
    assert list(frame.columns) == [
        "sample",
        "output_time",
        "time",
        "feature",
        "input",
        "attribution",
    ]
    assert len(frame) == 10 * 10
    cell = frame[(frame.output_time == 7) & (frame.time == 3)].iloc[0]
    assert cell.attribution == result.values[0, 7, 3, 0] and cell.input == series[0, 3, 0]


@pytest.mark.parametrize("suffix", [".npz", ".parquet", ".csv"])
def test_save_round_trips_atomically(suffix, tmp_path, forecaster, series):
    result = IntegratedGradients(forecaster).attribute(series, target=(4, 0), n_steps=4)
    path = result.save(tmp_path / f"out{suffix}")
    assert [p.name for p in tmp_path.iterdir()] == [f"out{suffix}"]  # no temporary file left behind
    if suffix == ".npz":
        with np.load(path) as data:
            np.testing.assert_array_equal(data["series/values"], result.values)
            np.testing.assert_array_equal(data["series/completeness_gap"], result.completeness_gap)
            meta = json.loads(str(data["metadata"]))[0]
        assert meta["axes"] == ["sample", "time", "feature"] and meta["options"]["n_steps"] == 4
    else:
        frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
        assert len(frame) == result.values.size
        np.testing.assert_allclose(frame.attribution.to_numpy(), result.values.ravel(), rtol=1e-6)


def test_multi_input_results_share_one_file(tmp_path, translator, translation_pair):
    results = IntegratedGradients(translator).attribute(
        translation_pair, target=(1, "predicted"), n_steps=4
    )
    frame = pd.read_csv(save_results(results, tmp_path / "both.csv"))
    assert sorted(frame.input_name.unique()) == ["decoder_tokens", "encoder_tokens"]
    assert len(frame) == 2 * 6 + 2 * 5


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(OutputError, match=r"path must end in \.npz, \.parquet, \.csv"):
        _result(VALUES).save(tmp_path / "out.xlsx")
    assert not list(tmp_path.iterdir())
