"""summarize_units over a multi-layer model; the report is frozen and exports strict JSON atomically."""

from __future__ import annotations

import dataclasses
import json

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens.errors import ShapeError, TargetError
from rnnlens.units import UnitReport, feature_concepts, state_trajectories, summarize_units


@pytest.fixture(scope="module")
def stacked():
    """Masking -> Bidirectional(LSTM(3)) -> GRU(2) -> SimpleRNN(2): four traces, three cell types."""
    keras.utils.set_random_seed(4)
    x_in = keras.Input((5, 2))
    h = keras.layers.Masking(0.0)(x_in)
    h = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="bi")(h)
    h = keras.layers.GRU(2, return_sequences=True, name="gru")(h)
    out = keras.layers.SimpleRNN(2, name="rnn")(h)
    x = np.random.default_rng(1).normal(size=(4, 5, 2)).astype("float32")
    x[2, 3:] = 0.0
    return rnnlens.trace(keras.Model(x_in, out), x), x


def test_report_covers_every_trace(stacked, tmp_path):
    result, x = stacked
    report = summarize_units(result, {**feature_concepts(x), "label": x[:, 0, 0]}, top=2)
    assert set(report.trajectories) == {"bi.forward", "bi.backward", "gru", "rnn"}
    assert set(report.timescales.layer) == {"bi.forward", "bi.backward", "gru"}
    assert set(report.timescales.keep_gate) == {"forget_gate", "update_gate"}
    assert set(report.saturation.layer) == {"bi.forward", "bi.backward", "gru"}
    assert report.concepts.groupby("concept").size().to_dict() == {
        "feature_0": 2,
        "feature_1": 2,
        "label": 2,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.concepts = None  # type: ignore[misc]
    path = report.save(tmp_path / "units.json")
    assert json.loads(path.read_text()) == json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert [p.name for p in tmp_path.iterdir()] == ["units.json"]


def test_backward_half_uses_its_own_final_state(stacked):
    result, x = stacked
    backward = result["bi.backward"]
    label = x[:, 0, 1]
    table = summarize_units(result, {"label": label}, layer="bi.backward", top=None).concepts
    final = np.asarray(backward.hidden)[:, 0]  # processed last when running backwards
    for row in table.itertuples():
        assert row.correlation == pytest.approx(np.corrcoef(final[:, row.unit], label)[0, 1])


def test_infinite_timescales_become_null_in_json(lstm_trace):
    report = summarize_units(lstm_trace)
    assert isinstance(report, UnitReport) and report.concepts is None
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    keeper = next(row for row in data["timescales"] if row["unit"] == 0)
    assert keeper["timescale"] is None and keeper["mean_keep"] == pytest.approx(1.0)


def test_layer_choice_errors(stacked):
    result, _ = stacked
    with pytest.raises(TargetError, match=r"2 parts \['bi.forward', 'bi.backward'\]"):
        state_trajectories(result, "bi")
    with pytest.raises(TargetError, match="pass `layer=`"):
        state_trajectories(result)
    with pytest.raises(TargetError, match="traced layers are"):
        summarize_units(result, layer="decoder")
    with pytest.raises(ShapeError, match="batch = 4"):
        summarize_units(result, {"wrong": np.zeros((3, 5))})
