"""The training script's parsing and packing helpers, and one short end-to-end run."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.datasets.conftest import REPO


@pytest.mark.parametrize(
    ("token", "decimals", "expected"),
    [("-0.0007", 4, -7), ("518.67", 2, 51867), ("100.0", 1, 1000), ("392", 0, 392),
     ("21.6", 2, 2160), ("8.4195", 4, 84195)],
)  # fmt: skip
def test_decimal_tokens_become_exact_integers(train_tool, token, decimals, expected):
    assert train_tool._parse_scaled(token, decimals, "here") == expected


def test_too_many_decimals_or_junk_is_rejected(train_tool):
    with pytest.raises(ValueError, match="at most 2 decimals"):
        train_tool._parse_scaled("1.234", 2, "here")
    with pytest.raises(ValueError, match="at most 2 decimals"):
        train_tool._parse_scaled("1.2e3", 2, "here")


def _line(unit: int, cycle: int) -> str:
    values = [str(unit), str(cycle), "0.0001", "-0.0002", "100.0"] + ["1.00"] * 14
    values += ["8.4195", "0.03", "392", "2388", "100.00", "39.06", "23.4190"]
    return " ".join(values) + "  \n"


def test_read_text_table_checks_engine_layout(train_tool, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(_line(1, 1) + _line(1, 2) + _line(2, 1))
    table = train_tool.read_text_table(good)
    assert table.shape == (3, 26)
    np.testing.assert_array_equal(table[:, :2], [[1, 1], [1, 2], [2, 1]])
    assert table[0, 2] == 1 and table[0, 3] == -2 and table[0, 19] == 84195
    split = tmp_path / "split.txt"
    split.write_text(_line(1, 1) + _line(2, 1) + _line(1, 2))
    with pytest.raises(ValueError, match="not contiguous"):
        train_tool.read_text_table(split)
    gap = tmp_path / "gap.txt"
    gap.write_text(_line(1, 1) + _line(1, 3))
    with pytest.raises(ValueError, match="not 1..n"):
        train_tool.read_text_table(gap)


def test_phm08_score_penalises_late_predictions_more(train_tool):
    truth = np.array([50.0])
    late = train_tool.phm08_score(truth + 10, truth)
    early = train_tool.phm08_score(truth - 10, truth)
    assert late == pytest.approx(np.exp(1) - 1) and early == pytest.approx(np.exp(10 / 13) - 1)
    assert train_tool.phm08_score(truth, truth) == 0


@pytest.mark.slow
def test_script_trains_and_reports_without_writing(tmp_path):
    before = {p.name: p.stat().st_mtime_ns for p in (REPO / "src/rnnlens/datasets/files").iterdir()}
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "tools/train_cmapss.py", "--dry-run", "--epochs", "1", "--rul-units", "8",
         "--failure-units", "8"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "test RMSE" in result.stdout and "PHM08 score" in result.stdout
    assert "wrote" not in result.stdout
    after = {p.name: p.stat().st_mtime_ns for p in (REPO / "src/rnnlens/datasets/files").iterdir()}
    assert after == before
