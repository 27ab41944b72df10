"""The perturbation base (methods define coalitions only) and the public prepare_problem."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from rnnlens.attribution import FeatureAblation, Occlusion
from rnnlens.attribution.base import Attribution
from rnnlens.attribution.causality import causal_inputs, clip_after, target_horizons
from rnnlens.attribution.occlusion import occlusion_regions
from rnnlens.attribution.perturbation import (
    Coalitions,
    PerturbationAttribution,
    perturbation_deltas,
    spread,
)
from rnnlens.attribution.problem import Problem, prepare_problem


class EachStep(PerturbationAttribution):
    """A method in a few lines: one coalition per time step, all features together."""

    name = "each_step"

    def coalitions(self, slot, x, options):
        steps, width = x.shape[1], 1 if slot.tokens else x.shape[2]
        return Coalitions(np.repeat(np.eye(steps, dtype=bool)[:, :, None], width, axis=2))

    def attribute(self, inputs, target=None, baselines=None):
        return self._perturb(inputs, target, baselines, {})


class FirstCellOnly(EachStep):
    """Coalitions whose difference goes to one cell only: credited differs from replaced."""

    name = "first_cell_only"

    def coalitions(self, slot, x, options):
        replaced = super().coalitions(slot, x, options).replaced
        credited = np.zeros_like(replaced)
        credited[:, :, 0] = replaced[:, :, 0]
        return Coalitions(replaced, credited=credited)


def test_a_subclass_defining_coalitions_is_feature_ablation(forecaster, series):
    expected = FeatureAblation(forecaster).attribute(series, target=(9, 0), groups="time")
    result = EachStep(forecaster).attribute(series, target=(9, 0))
    np.testing.assert_array_equal(result.values, expected.values)
    assert result.method == "each_step" and result.groups is None


def test_credited_cells_receive_the_difference():
    import keras

    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((6, 2)), keras.layers.GRU(3), keras.layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(3, 6, 2)).astype("float32")
    whole = EachStep(model).attribute(x, target=0).values
    first = FirstCellOnly(model).attribute(x, target=0).values
    np.testing.assert_array_equal(first[..., 0], whole[..., 0])
    assert np.all(first[..., 1] == 0) and np.any(whole[..., 1] != 0)


def test_occlusion_equals_the_template_it_replaced(forecaster, series):
    """The pre-refactoring occlusion body, verbatim, on the same prepared problem: identical values."""
    method = Occlusion(forecaster)
    result = method.attribute(series, target=(6, 0), window=3, stride=2)
    problem = prepare_problem(forecaster, series, (6, 0))
    regions = occlusion_regions(series.shape[1], series.shape[2], 3, 2)
    deltas = perturbation_deltas(problem.engine, problem, 0, regions)
    values = spread(deltas, regions, average=True)
    horizons = target_horizons(problem.target.weights)
    if horizons is not None and 0 in causal_inputs(forecaster, problem.target.output):
        values = clip_after(values, horizons)
    np.testing.assert_array_equal(result.values, np.asarray(values, np.float32) + np.float32(0))
    assert np.all(result.values[:, 7:] == 0)  # after the explained step: the causal clip ran


def test_token_inputs_keep_their_groups(sentiment, padded_tokens):
    result = FeatureAblation(sentiment).attribute(padded_tokens, target=0, groups="time")
    assert result.groups.shape == (padded_tokens.shape[1],)


def test_prepare_problem_is_public_and_frozen(forecaster, series):
    problem = prepare_problem(forecaster, series, target=(9, 0))
    assert isinstance(problem, Problem)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.space = []  # type: ignore[misc]
    borrowed = Attribution(forecaster)._prepare(series, (9, 0), None)
    assert problem.engine is borrowed.engine
    assert problem.target.description == borrowed.target.description
    for a, b in zip(problem.outputs, borrowed.outputs, strict=True):
        np.testing.assert_array_equal(a, b)
    assert problem.chunk(10) == borrowed.chunk(10, borrowed.engine)


def test_quality_borrows_no_private():
    from rnnlens.quality import curves

    source = inspect.getsource(curves)
    assert "_prepare(" not in source
    assert not any(
        isinstance(value, type) and issubclass(value, Attribution)
        for value in vars(curves).values()
    )
