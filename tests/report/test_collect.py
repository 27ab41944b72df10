"""collect_report / render_report end to end on the seed document's three models (shrunk)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import OptionError
from rnnlens.errors import TargetError
from rnnlens.report import Heatmap, TokenScores, collect_report, render_report
from rnnlens.report.collect import select_samples
from tests.helpers import (
    random_series,
    random_tokens,
    small_forecaster,
    small_sentiment,
    small_translator,
)
from tests.report.page_parser import PageStructure

VOCAB = ("", *(f"w{i}" for i in range(1, 50)))


@pytest.fixture(scope="module")
def forecaster() -> Any:
    return small_forecaster()


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    return random_series(6)


@pytest.fixture(scope="module")
def forecast_report(forecaster: Any, series: np.ndarray) -> Any:
    return collect_report(forecaster, series, samples=[4, 1], method_options={"n_steps": 16})


def test_sections_follow_the_chosen_samples(forecast_report: Any) -> None:
    assert [s.index for s in forecast_report.samples] == [4, 1]
    assert forecast_report.predictions[0].row_links[:10] == ("sample-4",) * 10
    assert dict(forecast_report.meta)["samples"] == "2 of 6"


def test_forecast_line_is_the_keras_prediction(
    forecast_report: Any, forecaster: Any, series: np.ndarray
) -> None:
    keras_out = np.asarray(forecaster.predict(series, verbose=0))
    for section in forecast_report.samples:
        (plot,) = section.forecasts
        np.testing.assert_allclose(plot.lines[0].values, keras_out[section.index, :, 0], atol=1e-6)
        np.testing.assert_array_equal(plot.lines[1].values, series[section.index, :, 0])
        expected = f"{keras_out[section.index, -1, 0]:.4g}"
        assert dict(section.summary)["value at step 9"] == expected


def test_states_belong_to_the_right_sample(
    forecast_report: Any, forecaster: Any, series: np.ndarray
) -> None:
    import keras

    hidden = np.asarray(
        keras.Model(forecaster.inputs, forecaster.get_layer("lstm").output)([series])
    )
    for section in forecast_report.samples:
        (group,) = section.states
        np.testing.assert_allclose(group.heatmaps[0].values, hidden[section.index].T, atol=1e-5)


def test_attributions_are_complete_for_every_output_step(
    forecast_report: Any, forecaster: Any, series: np.ndarray
) -> None:
    delta = np.asarray(forecaster(series)) - np.asarray(forecaster(np.zeros_like(series)))
    for section in forecast_report.samples:
        matrix, last = section.attributions
        assert isinstance(matrix, Heatmap) and isinstance(last, Heatmap)
        np.testing.assert_allclose(matrix.values.sum(axis=1), delta[section.index, :, 0], atol=1e-4)
        assert last.values.sum() == pytest.approx(delta[section.index, -1, 0], abs=1e-4)


def test_sentiment_report_colours_tokens_and_decodes_probability() -> None:
    model = small_sentiment()
    tokens = random_tokens(4, 20, 50)
    report = collect_report(model, tokens, max_samples=2, vocab=VOCAB, method="saliency")
    probability = np.asarray(model.predict(tokens, verbose=0))[:, 0]
    assert [s.index for s in report.samples] == [0, 1]
    for section in report.samples:
        (scores,) = section.attributions
        assert isinstance(scores, TokenScores)
        assert scores.tokens == tuple(VOCAB[i] for i in tokens[section.index])
        assert dict(section.summary)["probability"] == f"{probability[section.index]:.4g}"
        words = " ".join(VOCAB[i] for i in tokens[section.index] if i != 0)
        assert dict(section.summary)["input tokens"] == words
        assert section.forecasts == ()


def test_translator_report_has_alignments_labelled_by_predicted_tokens() -> None:
    model = small_translator()
    source, target = random_tokens(3, 6, 20, seed=3), random_tokens(3, 5, 20, seed=4)
    vocab = tuple(f"t{i}" for i in range(20))
    report = collect_report(model, [source, target], samples=[2], vocab=vocab, method="saliency")
    (section,) = report.samples
    (alignment,) = section.alignments
    predicted = np.asarray(model.predict([source, target], verbose=0))[2].argmax(axis=-1)
    assert alignment.values.shape == (5, 6)
    assert alignment.x_ticks == tuple(vocab[i] for i in source[2])
    assert alignment.y_ticks == tuple(f"{t}: {vocab[k]}" for t, k in enumerate(predicted))
    assert dict(section.summary)["predicted per step"] == " ".join(vocab[k] for k in predicted)
    assert dict(section.summary)["input encoder_tokens"] == " ".join(vocab[i] for i in source[2])
    assert [h.y_label for h in section.attributions] == ["output step"]  # the decoder input
    assert [g.layer for g in section.states] == ["encoder_gru", "decoder_gru"]


def test_sections_can_be_switched_off(forecaster: Any, series: np.ndarray) -> None:
    report = collect_report(forecaster, series, max_samples=1, states=False, attributions=False)
    (section,) = report.samples
    assert section.states == () and section.attributions == ()
    assert len(section.forecasts) == 1
    assert "attribution" not in dict(report.meta)


def test_select_samples_checks_indices() -> None:
    assert select_samples(10, None, 3) == [0, 1, 2]
    assert select_samples(2, None, 5) == [0, 1]
    assert select_samples(10, [-1, 2], 3) == [9, 2]
    with pytest.raises(TargetError, match="Sample index 10 is out of range.*0..9"):
        select_samples(10, [10], 3)
    with pytest.raises(TargetError, match="listed twice"):
        select_samples(10, [1, -9], 3)
    with pytest.raises(OptionError, match="`max_samples` must be an integer >= 1, received 0"):
        select_samples(10, None, 0)
    with pytest.raises(OptionError, match="received '1'"):
        select_samples(10, ["1"], 3)  # type: ignore[list-item]
    with pytest.raises(OptionError, match="empty"):
        select_samples(10, [], 3)


def test_unknown_method_fails_before_any_work(forecaster: Any, series: np.ndarray) -> None:
    with pytest.raises(OptionError, match="nope"):
        collect_report(forecaster, series, method="nope")


def test_rnnlens_report_is_callable_and_writes_the_page(
    forecaster: Any, series: np.ndarray, tmp_path: Path
) -> None:
    path = rnnlens.report(
        forecaster, series, tmp_path / "r.html", samples=[2], method_options={"n_steps": 8}
    )
    assert path == tmp_path / "r.html"
    ids = PageStructure(path.read_text(encoding="utf-8")).ids
    assert {"anatomy", "predictions", "sample-2", "attribution-2", "forecast-2", "states-2"} <= set(
        ids
    )
    assert rnnlens.render_report is render_report
    from rnnlens.report.html import result_html

    assert callable(result_html)  # the submodule stays reachable beside the callable package


def test_report_for_20_samples_50_steps_25_features_is_under_10_mb(tmp_path: Path) -> None:
    from rnnlens.datasets.seed_models import build_forecaster

    model = build_forecaster(timesteps=50, features=25, units=16)
    data = random_series(20, 50, 25)
    path = render_report(model, data, tmp_path / "big.html", max_samples=20, method="saliency")
    size = path.stat().st_size
    assert size < 10 * 2**20, f"{size / 2**20:.1f} MiB"
    assert PageStructure(path.read_text(encoding="utf-8")).ids.count("sample-19") == 1


def test_progress_bars_go_to_stderr(
    forecaster: Any, series: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    report = collect_report(forecaster, series, max_samples=1, attributions=False, progress=True)
    assert len(report.samples) == 1
    assert capsys.readouterr().out == ""  # stdout stays clean for piping


def test_report_under_jax_matches_keras() -> None:
    from tests.backend_runner import backend_available, run_in_backend

    if not backend_available("jax"):
        pytest.fail("jax is not installed: pip install -e '.[dev,jax]' (CI installs it).")
    got = run_in_backend(
        "jax",
        """
        import json
        import keras
        import numpy as np
        from rnnlens.report import collect_report
        from tests.helpers import random_series, small_forecaster

        model, x = small_forecaster(), random_series(3)
        report = collect_report(model, x, samples=[2], method="ig", method_options={"n_steps": 8})
        section = report.samples[0]
        hidden = keras.Model(model.inputs, model.get_layer("lstm").output)([x])
        delta = np.asarray(model(x)) - np.asarray(model(np.zeros_like(x)))
        print(json.dumps({
            "backend": dict(report.meta)["backend"],
            "state_error": float(np.abs(section.states[0].heatmaps[0].values - np.asarray(hidden)[2].T).max()),
            "completeness_error": float(np.abs(section.attributions[0].values.sum(axis=1) - delta[2, :, 0]).max()),
        }))
        """,
    )
    assert got["backend"] == "jax"
    assert got["state_error"] < 1e-5
    assert got["completeness_error"] < 1e-4


def test_decode_options_put_table_and_plot_in_target_units_at_the_next_step(
    forecaster: Any, series: np.ndarray
) -> None:
    mean, std = 10.0, 2.0
    targets = random_series(6, seed=9)  # in the model's (scaled) units, like its output
    data = rnnlens.data.Dataset(inputs={"x": series}, targets=targets)
    report = collect_report(
        forecaster,
        data,
        samples=[3],
        attributions=False,
        states=False,
        decode_options={"scaler": (mean, std), "target_offset": 1},
    )
    keras_out = np.asarray(forecaster.predict(series, verbose=0))[3, :, 0]
    table = report.predictions[0]
    column = {name: i for i, name in enumerate(table.columns)}
    steps = np.array([float(row[column["step"]]) for row in table.rows])
    np.testing.assert_array_equal([float(r[column["target_step"]]) for r in table.rows], steps + 1)
    values = np.array([float(row[column["value"]]) for row in table.rows])
    np.testing.assert_allclose(values, keras_out * std + mean, rtol=1e-3)  # 4 significant digits
    (plot,) = report.samples[0].forecasts
    assert plot.x.tolist() == list(range(11))  # 10 outputs, the last one estimating step 10
    prediction, truth = plot.lines  # the scaled inputs are not drawn on a target-unit axis
    assert np.isnan(prediction.values[0]) and np.isnan(truth.values[0])
    np.testing.assert_allclose(prediction.values[1:], keras_out * std + mean, rtol=1e-5)
    np.testing.assert_allclose(truth.values[1:], targets[3, :, 0] * std + mean, rtol=1e-5)
    assert "t+1" in plot.title


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"labels": 42}, OptionError, "`labels` must be a list of strings"),
        ({"labels": "ab"}, OptionError, "`labels` must be a list of strings"),
        ({"labels": [1, 2]}, OptionError, "`labels` must hold strings"),
        ({"vocab": 42}, OptionError, "`vocab` must be a list of strings"),
        ({"vocab": {"x": None}}, OptionError, "no vocabulary"),
        ({"samples": 5}, OptionError, r"samples=\[5\].*max_samples=5"),
        ({"samples": "0,1"}, OptionError, "`samples` must be a list of sample indices"),
        ({"samples": [0.5]}, OptionError, "must hold sample indices"),
        ({"samples": [6]}, TargetError, "out of range"),
        ({"samples": [-7]}, TargetError, "out of range"),
        ({"max_samples": 0}, OptionError, "`max_samples` must be an integer >= 1"),
        ({"max_samples": -1}, OptionError, "`max_samples` must be an integer >= 1"),
        ({"max_samples": 2.5}, OptionError, "`max_samples` must be an integer >= 1"),
        ({"method_options": 42}, OptionError, "`method_options` must be a dict"),
        ({"decode_options": [1]}, OptionError, "`decode_options` must be a dict"),
        ({"decode_options": {"scalar": 1}}, OptionError, r"unknown key\(s\) \['scalar'\]"),
        ({"method": 42}, OptionError, "`method` must be an attribution method name"),
        ({"states": "no"}, OptionError, "`states` must be True or False"),
        ({"attributions": None}, OptionError, "`attributions` must be True or False"),
        ({"title": 42}, OptionError, "`title` must be a string"),
    ],
)
def test_wrong_arguments_fail_before_any_work(
    forecaster: Any, series: np.ndarray, tmp_path: Path, arguments: dict, error: type, message: str
) -> None:
    target = tmp_path / "report.html"
    with pytest.raises(error, match=message):
        render_report(forecaster, series, target, **arguments)
    assert not target.exists()


@pytest.mark.parametrize(
    "inputs", [np.zeros((0, 10, 1), "float32"), np.zeros((3, 0, 1), "float32")]
)
def test_empty_data_is_a_shape_error(forecaster: Any, inputs: np.ndarray, tmp_path: Path) -> None:
    from rnnlens.errors import ShapeError

    with pytest.raises(ShapeError, match="0 (samples|time)|no samples|0 on its time"):
        render_report(forecaster, inputs, tmp_path / "empty.html")


@pytest.mark.parametrize("path", [42, None, "missing-folder/report.html", "."])
def test_report_path_is_checked_before_any_work(
    forecaster: Any, series: np.ndarray, tmp_path: Path, monkeypatch: Any, path: Any
) -> None:
    from rnnlens.errors import OutputError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError):
        render_report(forecaster, series, path)
