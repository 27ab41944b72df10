"""Bad arguments raise rnnlens errors that name the argument and say what to do."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import Target
from rnnlens.errors import DataError, OptionError, ShapeError, TargetError
from rnnlens.quality import compare, deletion_curve, insertion_curve


@pytest.fixture(scope="module")
def explained(forecaster, series):
    return rnnlens.attribute(forecaster, series, method="saliency", target=(9, 0))


@pytest.mark.parametrize("steps", [0, -2, 1.5, True, 1001, 10**9])
def test_steps_must_be_a_positive_integer(forecaster, series, explained, steps):
    with pytest.raises(OptionError, match="`steps`"):
        deletion_curve(forecaster, series, explained, target=(9, 0), steps=steps)


@pytest.mark.parametrize(
    ("options", "name"),
    [({"order": "best"}, "`order`"), ({"n_random": 0}, "`n_random`"), ({"seed": "a"}, "`seed`")],
)
def test_bad_options(forecaster, series, explained, options, name):
    with pytest.raises(OptionError, match=name):
        insertion_curve(forecaster, series, explained, target=(9, 0), **options)


def test_random_orders_are_bounded(forecaster, series, explained):
    with pytest.raises(OptionError, match=r"`n_random` must be an integer from 1 to 1000"):
        deletion_curve(forecaster, series, explained, target=(9, 0), n_random=10**6)


@pytest.mark.parametrize("methods", [42, "saliency", [], None])
def test_compare_needs_a_list_of_methods(forecaster, series, methods):
    with pytest.raises(OptionError, match="`methods` must be a non-empty list"):
        compare(forecaster, series, methods=methods, target=(9, 0))


def test_result_from_another_input_shape(forecaster, series, explained):
    with pytest.raises(ShapeError, match=r"shape \(4, 10, 1\).*has shape \(2, 10, 1\)"):
        deletion_curve(forecaster, series[:2], explained, target=(9, 0))


def test_result_from_other_values(forecaster, series, explained):
    with pytest.raises(DataError, match="other values"):
        deletion_curve(forecaster, series + 1.0, explained, target=(9, 0))


def test_target_must_be_the_explained_one(forecaster, series, explained):
    with pytest.raises(TargetError, match=r"resolves to .*step 8.*explains .*step 9"):
        deletion_curve(forecaster, series, explained, target=(8, 0))
    with pytest.raises(TargetError, match="Pass the `target` the attribution explained"):
        deletion_curve(forecaster, series, explained)


def test_result_must_be_one_attribution_result(forecaster, series, explained):
    with pytest.raises(OptionError, match="pass one of them"):
        deletion_curve(forecaster, series, (explained, explained), target=(9, 0))
    with pytest.raises(OptionError, match="must be an AttributionResult"):
        deletion_curve(forecaster, series, explained.values, target=(9, 0))


def test_every_step_results_are_refused(forecaster, series):
    every = rnnlens.attribute(
        forecaster, series, method="saliency", target=Target(time="all", unit=0)
    )
    with pytest.raises(OptionError, match="every output step"):
        deletion_curve(forecaster, series, every, target=Target(time="all", unit=0))


def test_bad_baseline_is_an_rnnlens_error(forecaster, series, explained):
    with pytest.raises(ShapeError, match="baseline"):
        deletion_curve(forecaster, series, explained, target=(9, 0), baseline=np.zeros(7))


def test_compare_rejects_unknown_methods_and_stray_options(forecaster, series):
    with pytest.raises(OptionError, match="Unknown attribution method"):
        compare(forecaster, series, methods=("nope",), target=(9, 0))
    with pytest.raises(OptionError, match="not in `methods`"):
        compare(forecaster, series, methods=("saliency",), target=(9, 0), options={"ig": {}})
    with pytest.raises(OptionError, match="non-empty"):
        compare(forecaster, series, methods=(), target=(9, 0))
