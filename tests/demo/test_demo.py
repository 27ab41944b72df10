"""Every demo path end to end on a small setting, checking what the report says."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from rnnlens import OptionError
from rnnlens.cli.app import app
from rnnlens.demo import run_demo
from tests.report.page_parser import unknown_commands


def _page(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") or text.lstrip().lower().startswith("<!doctype html>")
    assert path.stat().st_size < 10 * 1024 * 1024
    return text


def _sample_ids(text):
    return sorted(int(i) for i in re.findall(r'<article class="sample" id="sample-(\d+)"', text))


@pytest.fixture(scope="module")
def turbofan(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "rnnlens-demo.html"
    return run_demo(output=path, samples=2, n_steps=16, say=lambda line: None)


def test_turbofan_rmse_is_the_shipped_models_real_error(turbofan):
    from rnnlens.datasets import load_cmapss_fd001, load_demo_models

    models = load_demo_models()
    data = load_cmapss_fd001(window=models.window, rul_cap=models.rul_cap)
    predicted = models.rul_model.predict(data.x_test, verbose=0)[:, 0]
    rmse = float(np.sqrt(np.mean((predicted - data.y_test_raw) ** 2)))
    assert turbofan.figures["test_rmse"] == pytest.approx(rmse, rel=1e-5)
    assert rmse <= 16.0
    assert any(f"RMSE {rmse:.2f} cycles" in line for line in turbofan.findings)


def test_turbofan_report_holds_every_section(turbofan):
    text = _page(turbofan.report_path)
    for section in ("anatomy", "predictions", "samples"):
        assert f'id="{section}"' in text
    ids = _sample_ids(text)
    assert len(ids) == 2
    for index in ids:
        for part in ("attribution", "forecast", "states"):
            assert f'id="{part}-{index}"' in text
    assert "C-MAPSS FD001" in text
    assert "Failure risk per cycle" in text
    assert "RUL model" in text and "Failure model" in text
    assert "s11" in text  # sensor names travel into the report
    # Cycles on the time axes, attributions in cycles of RUL, sensors in their own units (#13 items 1-2).
    unescaped = html.unescape(text)
    assert "attribution (cycles of" in unescaped
    assert '"text":"cycle"' in unescaped.replace(" ", "")
    assert "original units" in unescaped
    # Each model keeps its data-set view, ids prefixed per model (#13 item 7).
    assert 'id="rul-model-truth"' in text and 'id="failure-model-importance"' in text
    assert "RUL model · model" in unescaped and "Failure model · model" in unescaped


def test_turbofan_findings_cover_every_stage(turbofan):
    joined = " ".join(turbofan.findings)
    assert "many-to-one" in joined and "many-to-many" in joined  # describe
    assert "Decoded RUL" in joined  # decode
    assert "forget_gate mean" in joined  # trace
    assert "strongest inputs" in joined and "completeness gap" in joined  # attribution
    assert "remembers longest" in joined  # units
    assert "than deleting random cells" in joined  # faithfulness
    assert turbofan.figures["deletion_random_gap"] > 0  # the IG ranking beats random removal


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast") / "forecast.html"
    lines: list[str] = []
    result = run_demo("forecast", path, samples=1, epochs=1, n_steps=4, say=lines.append)
    return result, lines


def _predictions_table(text):
    """The first predictions table of a report page: its column names and rows of cell texts."""
    section = text[text.index('id="predictions"') :]
    table = section[section.index("<table") : section.index("</table>")]
    columns = [html.unescape(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table)]
    rows = [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]
    ]
    return columns, rows


def test_forecast_report_table_is_in_units_and_at_the_next_step(forecast):
    """The console says "mm/s, each step t predicts t+1": the report's table must say the same."""
    from rnnlens.datasets.examples import make_forecast_data

    result, lines = forecast
    assert any("mm/s" in line and "t+1" in line for line in lines)
    columns, rows = _predictions_table(result.report_path.read_text(encoding="utf-8"))
    for name in ("step", "target_step", "value", "scaled_value"):
        assert name in columns
    table = {name: np.array([float(row[columns.index(name)]) for row in rows]) for name in columns}
    assert len(rows) == 10
    np.testing.assert_array_equal(table["target_step"], table["step"] + 1)
    scaler = make_forecast_data().scaler
    expected = scaler.inverse_transform(table["scaled_value"])
    np.testing.assert_allclose(table["value"], expected, rtol=2e-3)  # cells hold 4 digits
    assert not np.allclose(table["value"], table["scaled_value"], atol=0.5)  # not standardised


def test_forecast_plot_puts_each_forecast_at_the_hour_it_predicts(forecast):
    result, _ = forecast
    text = html.unescape(result.report_path.read_text(encoding="utf-8"))
    assert _sample_ids(text) == [0]
    assert 'id="forecast-0"' in text
    assert "Vibration in mm/s" in text
    assert "each forecast at the hour it predicts" in text
    assert "forecast made at t-1" in text


def test_translation_example_end_to_end(tmp_path):
    path = tmp_path / "translation.html"
    result = run_demo("translation", path, samples=1, epochs=3, n_steps=8, say=lambda line: None)
    text = _page(result.report_path)
    assert 'id="alignment-0"' in text
    assert "Greedy translation" in " ".join(result.findings) + html.unescape(text)
    assert _sample_ids(text) == [0]


def test_sentiment_example_explains_reviews_of_both_classes(tmp_path):
    from rnnlens.datasets.examples import make_sentiment_data

    path = tmp_path / "sentiment.html"
    result = run_demo("sentiment", path, samples=2, epochs=3, n_steps=8, say=lambda line: None)
    text = _page(result.report_path)
    assert "most influential tokens" in " ".join(result.findings)
    ids = _sample_ids(text)
    assert len(ids) == 2
    for index in ids:
        assert f'id="attribution-{index}"' in text
    truth = make_sentiment_data().targets[:, 0] > 0.5  # the demo's data (seed 0)
    assert sorted({bool(truth[i]) for i in ids}) == [
        False,
        True,
    ]  # a negative and a positive review
    assert any(f"Review {index} " in " ".join(result.findings) for index in ids)


def test_translation_report_reads_both_vocabularies(tmp_path):
    from rnnlens.datasets.examples import SOURCE_VOCAB, TARGET_VOCAB, make_translation_data

    result = run_demo(
        "translation", tmp_path / "t.html", samples=1, epochs=1, n_steps=4, say=lambda _: None
    )
    text = html.unescape(result.report_path.read_text(encoding="utf-8"))
    source, _ = make_translation_data().inputs
    first_source_word = SOURCE_VOCAB[source[0, 0]]
    assert first_source_word in text
    assert any(word in text for word in TARGET_VOCAB[3:])


def test_forecast_demo_names_only_real_commands(forecast):
    result, lines = forecast
    assert unknown_commands("\n".join(lines)) == []
    assert unknown_commands(html.unescape(result.report_path.read_text(encoding="utf-8"))) == []


def test_unknown_example_is_a_clear_error(tmp_path):
    with pytest.raises(OptionError, match="Unknown demo 'weather'"):
        run_demo("weather", tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_cli_demo_prints_where_the_report_is(tmp_path):
    out = tmp_path / "cli-demo.html"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--example",
            "sentiment",
            "--epochs",
            "1",
            "-n",
            "1",
            "--steps",
            "4",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output
    assert out.exists()
    assert unknown_commands(result.output) == []
    assert unknown_commands(out.read_text(encoding="utf-8")) == []
    bad = CliRunner().invoke(app, ["demo", "--example", "nope"])
    assert bad.exit_code == 1 and "Unknown demo" in bad.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"samples": 0}, r"`samples` \(--samples / -n\) must be a positive integer"),
        ({"samples": -2}, r"`samples` \(--samples / -n\) must be a positive integer"),
        ({"samples": 1.5}, "`samples`"),
        ({"epochs": 0}, "`epochs`"),
        ({"n_steps": -1}, "`n_steps`"),
        ({"n_steps": 10**9}, r"`n_steps` must be .*1 to 1000"),
        ({"example": 42}, "Unknown demo 42"),
        ({"example": "turbofan", "epochs": 2}, "shipped, already trained"),
    ],
)
def test_bad_demo_arguments_fail_before_any_work(tmp_path, arguments, message):
    arguments = {"example": "forecast", **arguments}
    with pytest.raises(OptionError, match=message):
        run_demo(output=tmp_path / "x.html", say=lambda _: None, **arguments)
    assert not (tmp_path / "x.html").exists()


def test_demo_output_path_is_checked_before_training(tmp_path):
    from rnnlens.errors import OutputError

    with pytest.raises(OutputError, match="does not exist"):
        run_demo("forecast", tmp_path / "missing" / "x.html", say=lambda _: None)
    with pytest.raises(OutputError, match="file path"):
        run_demo("forecast", 42, say=lambda _: None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "must be a positive integer"),
        (["-n", "-3"], "must be a positive integer"),
        (["--epochs", "0"], "`epochs`"),
        (["--example", "weather"], "Unknown demo 'weather'"),
    ],
)
def test_cli_demo_refuses_bad_options_in_one_line(tmp_path, args, message):
    out = tmp_path / "d.html"
    result = CliRunner().invoke(app, ["demo", "--example", "forecast", *args, "-o", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
