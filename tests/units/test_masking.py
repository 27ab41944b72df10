"""Masked steps are left out: statistics on a padded batch equal those computed on the unpadded data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rnnlens
from rnnlens.tracing.result import LayerTrace, Trace
from rnnlens.units import gate_saturation, memory_timescales, state_trajectories, unit_concepts
from tests.units.conftest import build_fixed_lstm

FULL, PADDED, LENGTH = [0, 2, 3, 5], [1, 4], 4


@pytest.fixture(scope="module")
def unpadded_rows(inputs):
    """Each quantity's (cells, unit) rows from traces of the unpadded sequences, and the inputs.

    Same fixed weights, one model per sequence length: re-tracing one model with another time length
    currently fails inside the TensorFlow scan (a tracing issue, reported).
    """
    full = rnnlens.trace(build_fixed_lstm(), inputs[FULL])["lstm"]
    short = rnnlens.trace(build_fixed_lstm(), inputs[PADDED, :LENGTH])["lstm"]
    assert full.mask.all() and short.mask.all()
    rows = {
        name: np.concatenate(
            [
                np.asarray(full.values[name]).reshape(-1, 4),
                np.asarray(short.values[name]).reshape(-1, 4),
            ]
        ).astype(np.float64)
        for name in full.values
    }
    x = np.concatenate([inputs[FULL].reshape(-1, 2), inputs[PADDED, :LENGTH].reshape(-1, 2)])
    return rows, x


def test_saturation_and_timescales_ignore_padding(lstm_trace, unpadded_rows):
    rows, _ = unpadded_rows
    table = gate_saturation(lstm_trace, low=0.3, high=0.6)
    for gate in ("input_gate", "forget_gate", "output_gate"):
        part = table[table.gate == gate]
        np.testing.assert_allclose(part.left_saturated, (rows[gate] < 0.3).mean(axis=0))
        np.testing.assert_allclose(part.right_saturated, (rows[gate] > 0.6).mean(axis=0))
        np.testing.assert_allclose(part["mean"], rows[gate].mean(axis=0), atol=1e-7)
    keep = memory_timescales(lstm_trace).mean_keep
    np.testing.assert_allclose(keep, rows["forget_gate"].mean(axis=0), atol=1e-7)


def test_concepts_and_pca_ignore_padding(lstm_trace, inputs, unpadded_rows):
    rows, x = unpadded_rows
    table = unit_concepts(lstm_trace, {"x1": inputs[..., 1]}, top=None).set_index("unit")
    for unit in range(4):
        expected = np.corrcoef(rows["hidden"][:, unit], x[:, 1])[0, 1]
        assert table.correlation[unit] == pytest.approx(expected, abs=1e-5)
    paths = state_trajectories(lstm_trace, components=3)
    np.testing.assert_allclose(paths.mean, rows["hidden"].mean(axis=0), atol=1e-6)
    eig = np.linalg.eigvalsh(np.cov(rows["hidden"], rowvar=False))[::-1]
    np.testing.assert_allclose(paths.explained_variance, eig[:3], rtol=1e-4)


def _synthetic(values: np.ndarray, mask: np.ndarray) -> Trace:
    layer = LayerTrace(
        key="lstm", layer="lstm", layer_class="LSTM", cell_type="LSTM", cell_index=None,
        direction="forward", processing_order="forward", bidirectional=False, units=values.shape[2],
        activation="tanh", recurrent_activation="sigmoid", reset_after=None,
        values={"hidden": values, "forget_gate": values}, initial_states={}, mask=mask,
        state_names=("hidden",), gate_names=("forget_gate",),
    )  # fmt: skip
    return Trace(model="synthetic", backend="numpy", layers=(layer,))


@given(seed=st.integers(0, 10_000), batch=st.integers(2, 5), time=st.integers(2, 6))
def test_garbage_at_masked_steps_changes_nothing(seed, batch, time):
    rng = np.random.default_rng(seed)
    values = rng.uniform(size=(batch, time, 3))
    mask = rng.uniform(size=(batch, time)) < 0.7
    mask[0, :2] = True  # at least two cells
    concept = rng.normal(size=(batch, time))
    dirty = values.copy()
    dirty[~mask] = rng.choice([np.nan, 1e6, -1e6], size=(int((~mask).sum()), 3))
    clean_rows, dirty_trace = values[mask], _synthetic(dirty, mask)
    sat = gate_saturation(dirty_trace, low=0.25, high=0.75)
    np.testing.assert_allclose(sat.left_saturated, (clean_rows < 0.25).mean(axis=0))
    np.testing.assert_allclose(sat["mean"], clean_rows.mean(axis=0))
    r = unit_concepts(dirty_trace, {"c": concept}, top=None).sort_values("unit").correlation
    expected = [np.corrcoef(clean_rows[:, u], concept[mask])[0, 1] for u in range(3)]
    np.testing.assert_allclose(r, expected, atol=1e-9)
    paths = state_trajectories(dirty_trace, components=min(3, len(clean_rows)))
    np.testing.assert_allclose(paths.mean, clean_rows.mean(axis=0))
    assert paths.explained_variance_ratio.sum() <= 1.0 + 1e-12
