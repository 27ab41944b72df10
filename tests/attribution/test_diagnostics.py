"""Every result carries its diagnostics (#12 items 3 and 4): F(x), F(b), the completeness gap, standard
errors, faithfulness against random orders, weak rows with reasons, and warnings about zero baselines."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.attribution import Target
from rnnlens.attribution.diagnostics import (
    DIAGNOSTIC_COLUMNS,
    RECOMMENDED_FALLBACK,
    RnnlensWarning,
)
from rnnlens.attribution.faithfulness import faithfulness_scores
from rnnlens.cli.app import app
from rnnlens.errors import ShapeError


@pytest.fixture(scope="module")
def step_three():
    """Flatten + Dense(1) over ``(6, 2)`` inputs that reads only cell (step 3, feature 0), weight 2."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((6, 2), name="signals"),
            keras.layers.Flatten(),
            keras.layers.Dense(1, name="head"),
        ]
    )
    kernel = np.zeros((12, 1), np.float32)
    kernel[3 * 2 + 0, 0] = 2.0
    model.get_layer("head").set_weights([kernel, np.zeros(1, np.float32)])
    return model


@pytest.fixture(scope="module")
def cells() -> np.ndarray:
    return np.random.default_rng(3).normal(size=(24, 6, 2)).astype("float32") + np.float32(2.0)


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RnnlensWarning)
        return function(*args, **kwargs)


# ------------------------------------------------------------------------------- diagnostics frame
def test_diagnostics_frame_columns_and_values(forecaster, series):
    result = _quiet(rnnlens.attribute, forecaster, series, "ig", target=(6, 0))
    frame = result.diagnostics()
    assert [c for c in frame.columns if c in DIAGNOSTIC_COLUMNS] == list(DIAGNOSTIC_COLUMNS)
    assert len(frame) == len(series) and frame["sample"].tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(frame["output"], result.outputs)
    np.testing.assert_array_equal(frame["baseline_output"], result.baseline_outputs)
    np.testing.assert_array_equal(frame["output_change"], result.outputs - result.baseline_outputs)
    np.testing.assert_array_equal(frame["completeness_gap"], result.completeness_gap)
    np.testing.assert_array_equal(frame["relative_gap"], result.relative_gap)
    np.testing.assert_array_equal(frame["faithfulness"], result.faithfulness)
    assert frame["max_standard_error"].isna().all()  # IG is not sampled
    expected = forecaster.predict(series, verbose=0)[:, 6, 0]
    np.testing.assert_allclose(frame["output"], expected, rtol=1e-5, atol=1e-6)
    assert frame["weak"].tolist() == [bool(reason) for reason in frame["reason"]]


def test_every_step_targets_get_one_row_per_output_step(forecaster, series):
    result = _quiet(
        rnnlens.attribute, forecaster, series[:2], "ig", target=Target(time="all", unit=0)
    )
    frame = result.diagnostics()
    assert len(frame) == 2 * 10 and frame["output_time"].tolist()[:3] == [0, 1, 2]
    assert result.faithfulness is None and frame["faithfulness"].isna().all()


def test_a_baseline_that_gives_the_output_is_weak(step_three, cells):
    result = _quiet(rnnlens.attribute, step_three, cells[:3], "ig", target=0, baselines=cells[:3])
    frame = result.diagnostics()
    assert (frame["output_change"] == 0).all()
    assert frame["weak"].all() and frame["reason"].str.contains("uninformative baseline").all()


def test_large_standard_errors_and_unfaithful_rows_are_weak(step_three, cells):
    result = _quiet(rnnlens.attribute, step_three, cells[:2], "ig", target=0, faithfulness=False)
    noisy = replace(
        result,
        standard_errors=np.abs(result.values) + 1.0,
        faithfulness=np.array([0.5, -0.1]),
    )
    frame = noisy.diagnostics()
    assert frame["reason"].str.contains("standard errors up to").all()
    assert "no better than random" in frame["reason"][1]
    assert "no better than random" not in frame["reason"][0]
    assert noisy.metadata()["max_standard_error"] == pytest.approx(
        float(noisy.standard_errors.max())
    )


def test_new_fields_are_checked_against_the_values(step_three, cells):
    result = _quiet(rnnlens.attribute, step_three, cells[:2], "ig", target=0, faithfulness=False)
    with pytest.raises(ShapeError, match="standard_errors"):
        replace(result, standard_errors=np.zeros(3))
    with pytest.raises(ShapeError, match="faithfulness"):
        replace(result, faithfulness=np.zeros((2, 2)))


# -------------------------------------------------------------------------------- faithfulness
def test_faithfulness_beats_random_where_one_cell_drives_the_output(step_three, cells):
    result = _quiet(rnnlens.attribute, step_three, cells, "ig", target=0)
    assert result.faithfulness.shape == (len(cells),)
    # The one cell goes first: the output has moved all the way after one of 10 steps, while random
    # orders reach it half-way on average (score ~0.45, noisy per row with 4 random orders).
    assert float(result.faithfulness.min()) > 0 and float(result.faithfulness.mean()) > 0.3
    random_map = replace(
        result, values=np.random.default_rng(0).normal(size=result.values.shape).astype("float32")
    )
    scores = faithfulness_scores(step_three, cells, random_map, target=0)
    assert abs(float(np.nanmean(scores))) < 0.15
    assert float(np.nanmean(scores)) < float(result.faithfulness.mean()) - 0.3


def test_faithfulness_deletes_towards_the_background(forecaster, series):
    background = series[::-1] + np.float32(1.5)
    result = _quiet(
        rnnlens.attribute,
        forecaster,
        series,
        "ig",
        target=(6, 0),
        baselines=0.0,
        background=background,
    )
    towards = {
        name: faithfulness_scores(forecaster, series, result, target=(6, 0), baseline=baseline)
        for name, baseline in (
            ("background", rnnlens.attribution.Baseline.mean(background)),
            ("zeros", "zeros"),
        )
    }
    np.testing.assert_allclose(result.faithfulness, towards["background"])
    assert not np.allclose(towards["background"], towards["zeros"])


def test_faithfulness_false_skips_it(step_three, cells):
    result = _quiet(rnnlens.attribute, step_three, cells[:2], "ig", target=0, faithfulness=False)
    assert result.faithfulness is None
    assert result.diagnostics()["faithfulness"].isna().all()


# ----------------------------------------------------------------------- defaults and warnings
def test_zero_baseline_without_background_warns_and_is_recorded(step_three, cells):
    with pytest.warns(RnnlensWarning, match="background="):
        result = rnnlens.attribute(step_three, cells[:2], target=0, faithfulness=False)
    assert result.method == "integrated_gradients" and result.options["baseline"] == "zeros"
    assert any("zeros" in text for text in result.warnings)


def test_no_warning_with_background_or_for_methods_without_baseline(step_three, cells):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnlensWarning)
        rnnlens.attribute(step_three, cells[:2], target=0, background=cells, faithfulness=False)
        rnnlens.attribute(step_three, cells[:2], "saliency", target=0, faithfulness=False)


def test_no_method_with_background_uses_the_recommended_one(step_three, cells, caplog):
    with caplog.at_level("INFO", logger="rnnlens"):
        result = rnnlens.attribute(step_three, cells[:2], target=0, background=cells)
    # A regression head has no opposite class: the recommendation is expected gradients.
    assert result.method == RECOMMENDED_FALLBACK
    assert RECOMMENDED_FALLBACK in caplog.text
    assert not result.warnings
    # Named methods keep working as before.
    ig = _quiet(rnnlens.attribute, step_three, cells[:2], "ig", target=0, background=cells)
    assert ig.method == "integrated_gradients"
    assert ig.options["baseline"] == "the background's per-feature mean"


# ---------------------------------------------------------------------------------- saving
def test_npz_keeps_the_diagnostics(step_three, cells, tmp_path):
    result = _quiet(rnnlens.attribute, step_three, cells[:2], "ig", target=0)
    players = pd.DataFrame({"player": ["t3"], "value": [0.25], "standard_error": [0.01]})
    full = replace(
        result,
        standard_errors=np.full(result.values.shape, 0.5),
        players=players,
        warnings=(*result.warnings, "a second note"),
    )
    path = full.save(tmp_path / "diag.npz")
    with np.load(path, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["signals/standard_errors"], full.standard_errors)
        np.testing.assert_array_equal(data["signals/faithfulness"], full.faithfulness)
        table = pd.DataFrame(json.loads(str(data["signals/players"])))
        metadata = json.loads(str(data["metadata"]))[0]
    pd.testing.assert_frame_equal(table, players)
    assert metadata["warnings"] == list(full.warnings) and "a second note" in metadata["warnings"]
    assert metadata["options"]["n_steps_used"] == [32, 32]
    assert metadata["mean_faithfulness"] == pytest.approx(float(np.nanmean(full.faithfulness)))


# --------------------------------------------------------------------------------------- CLI
def test_cli_prints_the_diagnostics_summary(step_three, cells, tmp_path):
    step_three.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", cells[:3])
    result = CliRunner().invoke(
        app,
        ["attribute", str(tmp_path / "model.keras"), str(tmp_path / "x.npy"), "-t", "0"],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # rich wraps long lines
    assert "Diagnostics for signals: integrated_gradients, baseline zeros" in text
    assert "max relative completeness gap" in text and "faithfulness vs random" in text
    assert "weak rows: 0 of 3" in text
    assert "Note: No `background` given" in text


def test_cli_reports_weak_rows_and_uses_the_background(step_three, cells, tmp_path):
    step_three.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", cells[:2])
    np.save(tmp_path / "same.npy", cells[:2])
    result = CliRunner().invoke(
        app,
        [
            "attribute",
            str(tmp_path / "model.keras"),
            str(tmp_path / "x.npy"),
            "-t",
            "0",
            "-m",
            "ig",
            "--baseline",
            str(tmp_path / "same.npy"),
            "--no-faithfulness",
        ],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "weak rows: 2 of 2" in text and "sample 0: uninformative baseline" in text
    assert "faithfulness vs random" not in text and "Note:" not in text
    background = CliRunner().invoke(
        app,
        [
            "attribute",
            str(tmp_path / "model.keras"),
            str(tmp_path / "x.npy"),
            "-t",
            "0",
            "--background",
            str(tmp_path / "same.npy"),
        ],
    )
    assert background.exit_code == 0, background.output
    assert f"{RECOMMENDED_FALLBACK}, baseline drawn from the background" in " ".join(
        background.output.split()
    )


# ------------------------------------------------------------------------- _results(standard_errors)
def test_results_reduce_token_standard_errors_like_the_values(sentiment):
    from rnnlens.attribution import IntegratedGradients

    tokens = np.array([[3, 4, 5] + [0] * 17, list(range(1, 21))], dtype="int32")
    explainer = IntegratedGradients(sentiment)
    problem = explainer._prepare(tokens, 0, None)
    space = problem.space[0]
    spread = np.full(space.shape, 0.25)  # a token's error spread over its embedding vector
    values = [np.ones(space.shape)]
    result = explainer._results(problem, values, {}, standard_errors=[spread])
    expected = np.where(problem.masks[0], 0.25 * space.shape[-1], 0.0)
    np.testing.assert_allclose(result.standard_errors, expected)
    assert result.standard_errors[0, 5] == 0  # padded: no error, as no value
    per_token = explainer._results(problem, values, {}, standard_errors=[expected])
    np.testing.assert_allclose(per_token.standard_errors, expected)
    with pytest.raises(ShapeError, match="Standard errors"):
        explainer._results(problem, values, {}, standard_errors=[np.ones((2, 3))])
