"""PCA of hidden states against NumPy's own eigen-decomposition and an exact reconstruction."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnlens.errors import OptionError
from rnnlens.units import state_trajectories


def test_full_rank_projection_reconstructs_centred_states(lstm_trace, keras_hidden, inputs):
    valid = np.abs(inputs).sum(-1) != 0
    paths = state_trajectories(lstm_trace, components=4)
    states = keras_hidden[valid].astype(np.float64)
    centred = states - states.mean(axis=0)
    np.testing.assert_allclose(paths.mean, states.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(paths.projection[valid] @ paths.components, centred, atol=1e-5)
    np.testing.assert_allclose(paths.components @ paths.components.T, np.eye(4), atol=1e-10)
    assert paths.explained_variance_ratio.sum() == pytest.approx(1.0)
    assert np.isnan(paths.projection[~valid]).all()
    assert paths.projection.shape == (*inputs.shape[:2], 4)


def test_explained_variance_matches_the_covariance_eigenvalues(lstm_trace, keras_hidden, inputs):
    valid = np.abs(inputs).sum(-1) != 0
    eigenvalues = np.linalg.eigvalsh(np.cov(keras_hidden[valid].astype(np.float64), rowvar=False))[
        ::-1
    ]
    paths = state_trajectories(lstm_trace, "lstm", components=2)
    np.testing.assert_allclose(paths.explained_variance, eigenvalues[:2], rtol=1e-4)
    np.testing.assert_allclose(
        paths.explained_variance_ratio, eigenvalues[:2] / eigenvalues.sum(), rtol=1e-4
    )
    assert paths.explained_variance_ratio.sum() <= 1.0
    assert np.all(np.diff(paths.explained_variance) <= 0)


def test_result_is_frozen_and_json_ready(lstm_trace):
    paths = state_trajectories(lstm_trace)
    with pytest.raises(dataclasses.FrozenInstanceError):
        paths.layer = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        paths.projection[0, 0, 0] = 1.0
    data = paths.to_dict(include_projection=True)
    assert data["n_components"] == 2 and data["projection"][1][-1] == [None, None]


@pytest.mark.parametrize("bad", [0, 5, 2.5, True])
def test_components_out_of_range(lstm_trace, bad):
    with pytest.raises(OptionError, match="from 1 to 4"):
        state_trajectories(lstm_trace, components=bad)
