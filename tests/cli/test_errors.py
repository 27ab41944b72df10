"""Every CLI failure is one ``Error:`` line and exit 1: usage mistakes, I/O errors and rnnlens's own bugs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app

runner = CliRunner()


def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error:"), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["attribute", "m.keras", "d.npy", "--top", "abc"], "--top"),
        (["trace", "m.keras", "d.npy"], "Missing option"),
        (["describe", "m.keras", "--no-such-flag"], "No such option"),
        (["nonsense"], "No such command"),
        (["predict"], "Missing argument"),
    ],
)
def test_usage_mistakes_are_one_line(args, fragment):
    line = _one_error_line(runner.invoke(app, args))
    assert fragment in line
    assert "--help" in line


def test_a_bad_steps_value_is_one_line_naming_the_flag():
    # --steps takes 'auto' or N, so its value is checked by rnnlens rather than by the parser.
    line = _one_error_line(runner.invoke(app, ["attribute", "m.keras", "d.npy", "--steps", "abc"]))
    assert "--steps" in line and "'auto' or an integer" in line


def test_help_still_works():
    result = runner.invoke(app, ["describe", "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_an_unexpected_exception_is_one_line_naming_a_bug(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    # describe reads a .keras file's config first (rnnlens.inspection.from_config)
    monkeypatch.setattr("rnnlens.inspection.from_config.describe_saved", broken)
    line = _one_error_line(runner.invoke(app, ["describe", str(tmp_path / "m.keras")]))
    assert "internal error (ZeroDivisionError: division by zero)" in line
    assert "--debug" in line


def test_an_os_error_names_the_file(monkeypatch, tmp_path):
    def vanished(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/data/x.npy")

    monkeypatch.setattr("rnnlens.inspection.from_config.describe_saved", vanished)
    line = _one_error_line(runner.invoke(app, ["describe", str(tmp_path / "m.keras")]))
    assert "'/data/x.npy'" in line and "No such file or directory" in line


def test_debug_shows_the_traceback(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("rnnlens.inspection.from_config.describe_saved", broken)
    result = runner.invoke(app, ["--debug", "describe", str(tmp_path / "m.keras")])
    assert isinstance(result.exception, ZeroDivisionError)
    runner.invoke(app, ["describe", "--help"])  # the switch is per call


def test_messages_with_brackets_are_printed_verbatim(tmp_path):
    path = tmp_path / "[red]model[/red].keras"
    line = _one_error_line(runner.invoke(app, ["describe", str(path)]))
    assert "[red]model[/red].keras" in line
