"""Target resolution: Captum's short forms, windows, every step, predicted classes, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import IntegratedGradients, Saliency, Target, resolve_target
from rnnlens.errors import TargetError

RNG = np.random.default_rng(0)
SEQUENCE = RNG.normal(size=(2, 4, 3)).astype("float32")  # (batch, time, units)
FLAT = RNG.normal(size=(2, 5)).astype("float32")  # (batch, classes)
SINGLE = RNG.normal(size=(2, 1)).astype("float32")


def _resolve(target, output):
    return resolve_target(target, [output], ["out"])


def test_int_picks_a_class_of_a_2d_output():
    resolved = _resolve(3, FLAT)
    np.testing.assert_array_equal(resolved.values([FLAT]), FLAT[:, 3])
    assert resolved.description == "output 'out', unit 3"


def test_none_reads_a_single_unit_output():
    np.testing.assert_array_equal(_resolve(None, SINGLE).values([SINGLE]), SINGLE[:, 0])


def test_predicted_is_the_argmax_per_sample():
    np.testing.assert_array_equal(_resolve("predicted", FLAT).values([FLAT]), FLAT.max(axis=1))


def test_per_sample_classes():
    np.testing.assert_array_equal(_resolve([4, -1], FLAT).values([FLAT]), FLAT[[0, 1], [4, 4]])


def test_step_and_unit_of_a_sequence_output():
    np.testing.assert_array_equal(_resolve((2, 1), SEQUENCE).values([SEQUENCE]), SEQUENCE[:, 2, 1])
    np.testing.assert_array_equal(_resolve((-1, 0), SEQUENCE).values([SEQUENCE]), SEQUENCE[:, 3, 0])


def test_predicted_unit_at_a_step():
    resolved = _resolve((1, "predicted"), SEQUENCE)
    np.testing.assert_array_equal(resolved.values([SEQUENCE]), SEQUENCE[:, 1].max(axis=-1))


def test_window_sum_and_mean():
    total = _resolve(Target(time=(1, 3), unit=2), SEQUENCE).values([SEQUENCE])
    np.testing.assert_allclose(total, SEQUENCE[:, 1:3, 2].sum(axis=1), rtol=1e-6)
    mean = _resolve(Target(time=slice(0, 4), unit=0, reduce="mean"), SEQUENCE).values([SEQUENCE])
    np.testing.assert_allclose(mean, SEQUENCE[:, :, 0].mean(axis=1), rtol=1e-6)


def test_every_step_gives_one_row_per_sample_and_step():
    resolved = _resolve(Target(time="all", unit="predicted"), SEQUENCE)
    assert resolved.per_sample == 4 and resolved.output_times == (0, 1, 2, 3)
    np.testing.assert_array_equal(resolved.values([SEQUENCE]), SEQUENCE.max(axis=-1).ravel())


def test_output_by_name_and_index():
    resolved = resolve_target(
        Target(output="second", unit=1), [SEQUENCE, FLAT], ["first", "second"]
    )
    assert resolved.output == 1
    np.testing.assert_array_equal(resolved.values([SEQUENCE, FLAT]), FLAT[:, 1])


@pytest.mark.parametrize(
    ("target", "output", "message"),
    [
        (5, FLAT, r"unit 5 is out of range.*0 to 4"),
        (-6, FLAT, "out of range"),
        (None, FLAT, "5 units, so the target must pick one"),
        ((1, 0), FLAT, "no time axis"),
        (2, SEQUENCE, "sequence output, so the target needs a time step"),
        ((4, 0), SEQUENCE, r"time step 4 is out of range.*0 to 3"),
        ((0, 3), SEQUENCE, "unit 3 is out of range"),
        (Target(time=(3, 3), unit=0), SEQUENCE, "selects no step"),
        (Target(time="every", unit=0), SEQUENCE, "'all'"),
        (Target(output=2), FLAT, "output index 2 is out of range"),
        (Target(output="nope"), FLAT, "No output named 'nope'"),
        ("max", FLAT, "must be 'predicted'"),
        ((0, 1, 2), SEQUENCE, "with 3 entries"),
        (("a", 1), SEQUENCE, "must be an int"),
        ([1, 2, 3], FLAT, "one integer unit per sample"),
        (1.5, FLAT, "Target must be None"),
        (Target(unit=0, reduce="max"), FLAT, "'sum' or 'mean'"),
    ],
)
def test_bad_targets_raise_target_errors(target, output, message):
    with pytest.raises(TargetError, match=message):
        _resolve(target, output)


def test_window_attribution_is_the_sum_of_step_attributions(forecaster, series):
    """IG is linear in the explained function: a window's attributions add up step by step."""
    ig = IntegratedGradients(forecaster)
    window = ig.attribute(series, target=Target(time=(2, 5)), n_steps=8)
    steps = sum(ig.attribute(series, target=(t, 0), n_steps=8).values for t in range(2, 5))
    np.testing.assert_allclose(window.values, steps, rtol=1e-4, atol=1e-7)


def test_every_step_rows_equal_single_step_targets(forecaster, series):
    matrix = Saliency(forecaster).attribute(series, target=Target(time="all"), abs=False)
    assert matrix.axes == ("sample", "output_time", "time", "feature")
    for step in (0, 6, 9):
        single = Saliency(forecaster).attribute(series, target=(step, 0), abs=False)
        np.testing.assert_allclose(matrix.values[:, step], single.values, rtol=1e-5, atol=1e-8)
    # Causality over the whole matrix: output step t never depends on input steps after t.
    upper = np.triu(np.ones((10, 10), bool), k=1)
    assert np.all(matrix.values[:, upper] == 0.0)
