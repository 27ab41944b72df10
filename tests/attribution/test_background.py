"""Background data as an input of attribution, and expected gradients (Erion et al., 2021)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.attribution import Baseline, ExpectedGradients, IntegratedGradients
from rnnlens.attribution.expected_gradients import draw_baselines
from rnnlens.cli.app import app
from rnnlens.errors import DataError, OptionError, ShapeError
from tests.helpers import random_series


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Background for ``forecaster``: ``(7, 10, 1)``, shifted so its mean is far from zero."""
    return random_series(7, 10, 1, seed=5) + np.float32(0.5)


# ------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("background", "error", "words"),
    [
        (np.zeros((3, 10, 2), np.float32), ShapeError, "background"),
        (np.zeros((0, 10, 1), np.float32), ShapeError, "0 samples"),
        (np.full((2, 10, 1), np.nan, np.float32), DataError, "NaN"),
        ("not data", DataError, "background"),
    ],
)
def test_bad_background_is_a_clear_error_naming_it(forecaster, series, background, error, words):
    for method in ("ig", "expected_gradients"):
        with pytest.raises(error, match="background") as info:
            rnnlens.attribute(forecaster, series, method, target=(3, 0), background=background)
        assert words in str(info.value)


def test_background_refused_by_methods_without_baselines(forecaster, series, reference):
    with pytest.raises(OptionError, match="background"):
        rnnlens.attribute(forecaster, series, "saliency", target=(3, 0), background=reference)


def test_expected_gradients_refuses_baselines_and_background_together(
    forecaster, series, reference
):
    with pytest.raises(OptionError, match="background"):
        ExpectedGradients(forecaster).attribute(
            series, target=(3, 0), baselines=0.0, background=reference
        )


# ----------------------------------------------------------------------- background mean baseline
@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion", "feature_ablation"])
def test_background_mean_is_the_baseline_of_baseline_methods(method, forecaster, series, reference):
    given = rnnlens.attribute(forecaster, series, method, target=(6, 0), background=reference)
    mean = rnnlens.attribute(
        forecaster, series, method, target=(6, 0), baselines=Baseline.mean(reference)
    )
    np.testing.assert_array_equal(given.values, mean.values)
    zeros = rnnlens.attribute(forecaster, series, method, target=(6, 0))
    assert not np.allclose(given.values, zeros.values)


def test_explicit_baselines_win_over_background(forecaster, series, reference):
    both = rnnlens.attribute(forecaster, series, target=(6, 0), baselines=0.0, background=reference)
    zeros = rnnlens.attribute(forecaster, series, target=(6, 0))
    np.testing.assert_array_equal(both.values, zeros.values)


# ----------------------------------------------------------------------------- expected gradients
def test_expected_gradients_completeness_against_the_mean_drawn_baseline(
    forecaster, series, reference
):
    """Sum of attributions = F(x) - mean_j F(b_j) over the drawn b_j, up to the quadrature error."""
    result = rnnlens.attribute(
        forecaster, series, "eg", target=(6, 0), background=reference, n_samples=5, seed=3
    )
    draws = draw_baselines(len(series), len(reference), 5, seed=3)
    drawn = np.asarray(forecaster(reference[draws.ravel()]))[:, 6, 0].reshape(draws.shape)
    np.testing.assert_allclose(result.baseline_outputs, drawn.mean(axis=1), atol=1e-5)
    total = result.values.reshape(len(series), -1).sum(axis=1)
    expected = result.outputs - result.baseline_outputs
    np.testing.assert_allclose(total, expected, atol=1e-4 * max(1.0, np.abs(expected).max()))
    assert float(np.abs(result.completeness_gap).max()) < 1e-4


def test_expected_gradients_with_one_background_sample_is_integrated_gradients(
    forecaster, series, reference
):
    one = reference[2:3]
    for rule in ("gausslegendre", "riemann_middle"):
        eg = ExpectedGradients(forecaster).attribute(
            series, target=(6, 0), background=one, n_samples=4, n_steps=12, method=rule
        )
        ig = IntegratedGradients(forecaster).attribute(
            series, target=(6, 0), baselines=one[0], n_steps=12, method=rule
        )
        np.testing.assert_allclose(eg.values, ig.values, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(eg.baseline_outputs, ig.baseline_outputs, atol=1e-6)


def test_expected_gradients_draws_follow_the_seed(forecaster, series, reference):
    def run(seed: int) -> np.ndarray:
        return (
            ExpectedGradients(forecaster)
            .attribute(
                series, target=(6, 0), background=reference, n_samples=3, n_steps=8, seed=seed
            )
            .values
        )

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.allclose(run(1), run(2))


def test_expected_gradients_on_tokens_keeps_padding_at_zero(sentiment, padded_tokens):
    background = padded_tokens[::-1].copy()
    result = rnnlens.attribute(
        sentiment, padded_tokens, "eg", background=background, n_samples=3, n_steps=8
    )
    assert result.axes == ("sample", "token")
    assert np.all(result.values[padded_tokens == 0] == 0.0)
    assert float(np.abs(result.relative_gap).max()) < 0.05


# ------------------------------------------------------------------------------------------ CLI
def test_cli_attribute_with_background(tmp_path, forecaster, series, reference):
    forecaster.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", series)
    np.save(tmp_path / "bg.npy", reference)
    runner = CliRunner()
    base = ["attribute", str(tmp_path / "model.keras"), str(tmp_path / "x.npy"), "-t", "6,0"]
    eg_flags = ["-m", "eg", "--background", str(tmp_path / "bg.npy"), "--eg-samples", "4"]
    options = ["--steps", "16", "--seed", "1", "-o", str(tmp_path / "eg.npz")]
    eg = runner.invoke(app, [*base, *eg_flags, *options])
    assert eg.exit_code == 0, eg.output
    assert "expected_gradients" in eg.output and "completeness gap" in eg.output
    saved = np.load(tmp_path / "eg.npz")
    expected = ExpectedGradients(forecaster).attribute(
        series, target=(6, 0), background=reference, n_samples=4, n_steps=16, seed=1
    )
    values = saved[next(key for key in saved.files if key.endswith("/values"))]
    np.testing.assert_allclose(values, expected.values, rtol=1e-5, atol=1e-6)
    missing = runner.invoke(app, [*base, "-m", "eg"])
    assert missing.exit_code != 0 and "--background" in missing.output
    refused = runner.invoke(
        app, [*base, "-m", "saliency", "--background", str(tmp_path / "bg.npy")]
    )
    assert refused.exit_code != 0 and "--background" in refused.output
