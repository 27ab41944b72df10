"""``rnnlens attribute``: through typer's runner, and once as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from rnnlens.attribution import IntegratedGradients, Target
from rnnlens.cli.app import app
from rnnlens.cli.attribute import _parse_target

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory, forecaster, series, translator, translation_pair):
    folder = tmp_path_factory.mktemp("cli")
    forecaster.save(folder / "forecaster.keras")
    translator.save(folder / "translator.keras")
    np.save(folder / "series.npy", series)
    np.savez(
        folder / "pairs.npz",
        encoder_tokens=translation_pair[0],
        decoder_tokens=translation_pair[1],
    )
    return folder


def test_ig_writes_the_same_attributions_as_the_library(files, forecaster, series):
    out = files / "ig.npz"
    result = runner.invoke(
        app,
        [
            "attribute",
            str(files / "forecaster.keras"),
            str(files / "series.npy"),
            "--method",
            "ig",
            "--target",
            "6,0",
            "--steps",
            "16",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "completeness gap" in result.output and "Wrote" in result.output
    expected = IntegratedGradients(forecaster).attribute(series, target=(6, 0), n_steps=16)
    with np.load(out) as data:
        np.testing.assert_allclose(data["series/values"], expected.values, rtol=1e-5, atol=1e-8)


def test_occlusion_on_a_two_input_model_writes_both_inputs(files):
    out = files / "occ.csv"
    result = runner.invoke(
        app,
        [
            "attribute",
            str(files / "translator.keras"),
            str(files / "pairs.npz"),
            "-m",
            "occlusion",
            "-t",
            "all,predicted",
            "--window",
            "2",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    import pandas as pd

    frame = pd.read_csv(out)
    assert sorted(frame.input_name.unique()) == ["decoder_tokens", "encoder_tokens"]
    assert "output_time" in frame.columns


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "lime"], "Unknown attribution method 'lime'"),
        (["-t", "99,0"], "time step 99 is out of range"),
        (["-t", "x,0"], "--target time must be"),
        (["-m", "occlusion", "--window", "a"], "--window must be N or N,M"),
        (["--baseline", "missing.npy"], "does not exist"),
    ],
)
def test_errors_are_one_clean_line(args, message, files):
    result = runner.invoke(
        app, ["attribute", str(files / "forecaster.keras"), str(files / "series.npy"), *args]
    )
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_data_file_checks(files, tmp_path):
    np.savez(tmp_path / "wrong.npz", y=np.zeros((1, 10, 1)))
    result = runner.invoke(
        app, ["attribute", str(files / "forecaster.keras"), str(tmp_path / "wrong.npz")]
    )
    assert result.exit_code == 1 and "none is named 'x' or after a model input" in result.output
    (tmp_path / "data.txt").write_text("1,2")
    result = runner.invoke(
        app, ["attribute", str(files / "forecaster.keras"), str(tmp_path / "data.txt")]
    )
    assert result.exit_code == 1 and "take feature vectors" in result.output
    (tmp_path / "data.xyz").write_text("1,2")
    result = runner.invoke(
        app, ["attribute", str(files / "forecaster.keras"), str(tmp_path / "data.xyz")]
    )
    assert result.exit_code == 1 and "expected a file ending in" in result.output


def test_target_text_forms():
    assert _parse_target("", "0") == Target()
    assert _parse_target("3", "0") == Target(unit=3)
    assert _parse_target("predicted", "0") == Target(unit="predicted")
    assert _parse_target("2,1", "next") == Target(output="next", time=2, unit=1)
    assert _parse_target("all,predicted", "1") == Target(output=1, time="all", unit="predicted")
    assert _parse_target("2:5,0", "0") == Target(time=slice(2, 5), unit=0)


def test_real_subprocess_run(files, tmp_path):
    out = tmp_path / "sal.parquet"
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnnlens",
            "attribute",
            str(files / "forecaster.keras"),
            str(files / "series.npy"),
            "-m",
            "saliency",
            "-t",
            "9,0",
            "--top",
            "3",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "series saliency: output 'forecast', step 9, unit 0" in completed.stdout
    import pandas as pd

    assert len(pd.read_parquet(out)) == 4 * 10


def test_a_missing_time_step_explains_the_cli_spelling(files):
    result = runner.invoke(
        app, ["attribute", str(files / "forecaster.keras"), str(files / "series.npy")]
    )
    assert result.exit_code == 1
    assert "needs a time step" in result.output and "--target T,K" in result.output
