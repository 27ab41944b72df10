"""Concept correlation: the unit built to follow a feature ranks first; numbers match Keras's outputs."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.errors import DataError, OptionError, ShapeError, TargetError
from rnnlens.units import feature_concepts, unit_concepts


def test_the_monotone_unit_tops_its_feature(lstm_trace, inputs):
    table = unit_concepts(lstm_trace, feature_concepts(inputs, ["x0", "x1"]), top=1)
    assert list(table.concept) == ["x0", "x1"]
    assert list(table.unit) == [2, 1]  # h2 = tanh(tanh(x0)), h1 = tanh(tanh(x1))
    assert (table.correlation > 0.9).all()


def test_correlations_equal_numpy_on_keras_outputs(lstm_trace, inputs, keras_hidden):
    valid = np.abs(inputs).sum(-1) != 0
    table = unit_concepts(lstm_trace, {"x0": inputs[..., 0]}, top=None)
    assert list(table["rank"]) == [1, 2, 3, 4]
    assert (table.n == valid.sum()).all()
    for row in table.itertuples():
        expected = np.corrcoef(keras_hidden[..., row.unit][valid], inputs[..., 0][valid])[0, 1]
        assert row.correlation == pytest.approx(expected, abs=1e-5)
    assert table.abs_correlation.is_monotonic_decreasing


def test_per_sample_concepts_use_the_final_state(lstm_trace, inputs, keras_hidden):
    # Keras's masked final output carries the last processed step's state.
    last = np.array([np.flatnonzero(np.abs(s).sum(-1) != 0)[-1] for s in inputs])
    label = inputs[np.arange(len(inputs)), last, 1]
    table = unit_concepts(lstm_trace, {"label": label}, top=None).set_index("unit")
    assert (table.scope == "final").all()
    final = keras_hidden[:, -1]
    for unit in range(4):
        expected = np.corrcoef(final[:, unit], label)[0, 1]
        assert table.correlation[unit] == pytest.approx(expected, abs=1e-5)
    assert table.abs_correlation.idxmax() == 1


def test_nan_concept_cells_are_left_out(lstm_trace, inputs, keras_hidden):
    concept = inputs[..., 0].astype(np.float64).copy()
    concept[0, :3] = np.nan
    keep = (np.abs(inputs).sum(-1) != 0) & np.isfinite(concept)
    row = unit_concepts(lstm_trace, {"c": concept}, top=None).set_index("unit").loc[0]
    assert row.n == keep.sum()
    expected = np.corrcoef(keras_hidden[..., 0][keep], concept[keep])[0, 1]
    assert row.correlation == pytest.approx(expected, abs=1e-5)


def test_constant_concept_gives_nan_ranked_last(lstm_trace, inputs):
    table = unit_concepts(lstm_trace, {"flat": np.ones(inputs.shape[:2])}, top=None)
    assert table.correlation.isna().all()


def test_bad_concepts(lstm_trace, inputs):
    with pytest.raises(ShapeError, match=r"3 timesteps \(shape \(6, 3\)\)"):
        unit_concepts(lstm_trace, {"short": inputs[:, :3, 0]})
    with pytest.raises(ShapeError, match="batch = 6"):
        unit_concepts(lstm_trace, {"few": inputs[:2, :, 0]})
    with pytest.raises(DataError, match="numeric"):
        unit_concepts(lstm_trace, {"text": np.array(["a"] * 6)})
    with pytest.raises(DataError, match="inf"):
        unit_concepts(lstm_trace, {"inf": np.full(6, np.inf)})
    with pytest.raises(OptionError, match="non-empty dict"):
        unit_concepts(lstm_trace, {})
    with pytest.raises(OptionError, match="`top`"):
        unit_concepts(lstm_trace, {"x": inputs[..., 0]}, top=0)
    with pytest.raises(TargetError, match="traced layers are"):
        unit_concepts(lstm_trace, {"x": inputs[..., 0]}, layer="gru")


def test_feature_concepts_checks_names(inputs):
    concepts = feature_concepts(inputs)
    assert list(concepts) == ["feature_0", "feature_1"]
    np.testing.assert_array_equal(concepts["feature_1"], inputs[..., 1])
    with pytest.raises(ShapeError, match="2 distinct names"):
        feature_concepts(inputs, ["only_one"])
    with pytest.raises(ShapeError, match="token ids"):
        feature_concepts(inputs[..., 0])
