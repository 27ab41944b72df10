"""Deleting towards the data (#12 item 1): curves with `background=`, by its mean or by drawn samples.

Checked on the linear model against exact identities, and on a model that provably reads only a box of
cells, where the ground-truth map must beat random orders.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import rnnlens
from rnnlens.errors import OptionError, ShapeError
from rnnlens.quality import compare, deletion_curve, insertion_curve
from rnnlens.quality.replacement import draw_donors

MEAN = np.array([1.5, 0.0, 0.0])  # the background's per-feature mean: non-zero for feature 0 only


@pytest.fixture(scope="module")
def linear_x() -> np.ndarray:
    return np.random.default_rng(13).normal(size=(3, 4, 3)).astype("float32")


@pytest.fixture(scope="module")
def background() -> np.ndarray:
    """``(6, 4, 3)`` with per-feature mean exactly :data:`MEAN` over samples and steps."""
    noise = np.random.default_rng(14).normal(size=(6, 4, 3))
    return (noise - noise.mean(axis=(0, 1)) + MEAN).astype("float32")


@pytest.fixture(scope="module")
def explained(linear_model, linear_x):
    return rnnlens.attribute(linear_model, linear_x, method="input_x_gradient")


def _removed(curve) -> np.ndarray:
    """``(sample, fraction, time, feature)``: which cells are removed at each point of the curve."""
    ranks = curve.ranks.reshape(len(curve.ranks), -1)
    removed = (ranks[:, None, :] >= 0) & (ranks[:, None, :] < curve.counts[:, :, None])
    return removed.reshape(*curve.counts.shape, *curve.ranks.shape[1:])


def test_deletion_towards_the_mean_differs_from_zeros_only_at_cells_with_a_mean(
    linear_model, linear_weights, linear_x, background, explained
):
    """F is linear, so the two curves differ by sum(w * mean) over the removed cells: feature 0 only."""
    zeros = deletion_curve(linear_model, linear_x, explained, steps=12)
    data = deletion_curve(linear_model, linear_x, explained, steps=12, background=background)
    assert (zeros.replacement, data.replacement) == ("baseline", "mean")
    np.testing.assert_array_equal(zeros.ranks, data.ranks)
    shift = (_removed(data) * (linear_weights * MEAN)).sum(axis=(2, 3))
    np.testing.assert_allclose(data.curves - zeros.curves, shift, atol=1e-5)
    feature_0 = _removed(data)[..., 0].any(axis=-1)
    assert np.all(shift[~feature_0] == 0) and np.all(shift[feature_0] != 0)

    inserted = insertion_curve(linear_model, linear_x, explained, steps=12, background=background)
    empty = insertion_curve(linear_model, linear_x, explained, steps=12)
    kept_out = (~_removed(inserted) * (linear_weights * MEAN)).sum(axis=(2, 3))
    np.testing.assert_allclose(inserted.curves - empty.curves, kept_out, atol=1e-5)


def test_explicit_baseline_wins_over_background(linear_model, linear_x, background, explained):
    zeros = deletion_curve(linear_model, linear_x, explained, steps=4)
    both = deletion_curve(
        linear_model, linear_x, explained, steps=4, baseline="zeros", background=background
    )
    np.testing.assert_array_equal(both.curves, zeros.curves)


def test_sample_replacement_averages_the_drawn_background_samples(
    linear_model, linear_weights, linear_x, background, explained
):
    """Linear F: the mean over draws is F with removed cells at the mean of each sample's donors."""
    curve = deletion_curve(
        linear_model,
        linear_x,
        explained,
        steps=12,
        background=background,
        replacement="samples",
        n_draws=3,
        seed=4,
    )
    assert curve.replacement == "samples"
    donors = background[draw_donors(len(background), len(linear_x), 3, seed=4)].mean(axis=0)
    f_x = np.asarray(linear_model.predict(linear_x, verbose=0), np.float64)[:, 0]
    change = (linear_x - donors)[:, None] * linear_weights  # (sample, 1, time, feature)
    expected = f_x[:, None] - (_removed(curve) * change).sum(axis=(2, 3))
    np.testing.assert_allclose(curve.curves, expected, atol=1e-5)
    again = deletion_curve(
        linear_model,
        linear_x,
        explained,
        steps=12,
        background=background,
        replacement="samples",
        n_draws=3,
        seed=4,
    )
    np.testing.assert_array_equal(curve.curves, again.curves)


# ---------------------------------------------------------------------------- ground truth: a box
BOX = (slice(2, 4), slice(1, 3))  # steps 2-3, features 1-2 of (6 steps, 4 features)


@pytest.fixture(scope="module")
def box_model():
    """tanh(sum of the box cells - 1): provably reads the box and nothing else."""
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(6, 4), name="signals"),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="tanh", name="head"),
        ]
    )
    weights = np.zeros((6, 4), "float32")
    weights[BOX] = 0.5
    model.get_layer("head").set_weights([weights.reshape(24, 1), np.array([-1.0], "float32")])
    return model


@pytest.fixture(scope="module")
def box_data() -> tuple[np.ndarray, np.ndarray]:
    """Inputs whose box is shifted by +1.5 from a N(0.5, 1) background, and that background."""
    rng = np.random.default_rng(15)
    inputs = rng.normal(0.5, 1.0, size=(4, 6, 4)).astype("float32")
    inputs[(slice(None), *BOX)] += 1.5
    return inputs, rng.normal(0.5, 1.0, size=(16, 6, 4)).astype("float32")


def test_ground_truth_map_beats_random_orders_towards_the_data(box_model, box_data):
    inputs, background = box_data
    explained = rnnlens.attribute(box_model, inputs, method="saliency")
    truth = np.zeros(inputs.shape, "float32")
    truth[(slice(None), *BOX)] = 1.0
    truth_map = replace(explained, values=truth, method="ground_truth")
    for replacement in ("mean", "samples"):
        curve = deletion_curve(
            box_model,
            inputs,
            truth_map,
            background=background,
            replacement=replacement,
            n_draws=2,
            n_random=4,
        )
        assert np.all(curve.random_gap > 0), replacement


def test_compare_passes_the_background_to_methods_and_curves(box_model, box_data):
    inputs, background = box_data
    table = compare(
        box_model,
        inputs,
        ["integrated_gradients", "expected_gradients", "saliency"],
        background=background,
        options={
            "integrated_gradients": {"n_steps": 16},
            "expected_gradients": {"n_samples": 4, "n_steps": 8},
        },
        n_random=3,
    )
    assert table.attrs["replacement"] == "mean"
    assert set(table["method"]) == {"integrated_gradients", "expected_gradients", "saliency"}
    assert (table["deletion_random_gap"] > 0).all()
    # The curves deleted towards the background's mean: IG's own explanation from that mean.
    ig = rnnlens.attribute(box_model, inputs, method="ig", background=background, n_steps=16)
    own = deletion_curve(box_model, inputs, ig, background=background, n_random=3).scores()
    row = table.set_index("method").loc["integrated_gradients"]
    assert row["deletion_aopc"] == pytest.approx(own["aopc"], abs=1e-6)


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"replacement": "samples"}, "no `background`"),
        ({"replacement": "median", "background": "B"}, "replacement"),
        ({"n_draws": 0, "background": "B"}, "n_draws"),
        ({"replacement": "samples", "background": "B", "baseline": 0.0}, "baseline"),
    ],
)
def test_bad_replacement_options(linear_model, linear_x, background, explained, options, words):
    options = {key: background if value == "B" else value for key, value in options.items()}
    with pytest.raises(OptionError, match=words):
        deletion_curve(linear_model, linear_x, explained, **options)
    with pytest.raises(OptionError, match=words):
        compare(linear_model, linear_x, ["saliency"], **options)


def test_sample_replacement_needs_background_of_the_inputs_length():
    import keras

    model = keras.Sequential(
        [keras.Input(shape=(None, 2)), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    inputs = np.ones((2, 5, 2), "float32")
    explained = rnnlens.attribute(model, inputs, method="saliency")
    with pytest.raises(ShapeError, match="same step"):
        deletion_curve(
            model,
            inputs,
            explained,
            background=np.ones((3, 4, 2), "float32"),
            replacement="samples",
        )
