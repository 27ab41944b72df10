"""``rnnlens explain --step-name / --value-units`` name the report's time axes and attribution units (#13)."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from rnnlens.cli.app import app
from tests.helpers import small_forecaster


def test_step_name_and_units_reach_the_page(tmp_path):
    small_forecaster().save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(2, 10, 1)).astype("float32"))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "explain",
            str(tmp_path / "model.keras"),
            str(tmp_path / "x.npy"),
            "-o",
            str(out),
            "-n",
            "1",
            "--target",
            "9,0",
            "-m",
            "saliency",
            "--step-name",
            "cycle",
            "--value-units",
            "cycles",
        ],
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert '"cycle"' in page and "time step" not in page
    assert "cycles of" in page


def test_an_empty_step_name_is_one_error_line(tmp_path):
    small_forecaster().save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", np.zeros((1, 10, 1), "float32"))
    result = CliRunner().invoke(
        app,
        [
            "explain",
            str(tmp_path / "model.keras"),
            str(tmp_path / "x.npy"),
            "-o",
            str(tmp_path / "r.html"),
            "--step-name",
            " ",
        ],
    )
    assert result.exit_code == 1
    assert result.output.count("Error:") == 1 and "Traceback" not in result.output
