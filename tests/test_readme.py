"""Every example in the README runs: the Python blocks in order, then each shell command after them.

The first shell block holds the two set-up commands (create a venv, install, run): CI runs the second one
itself, and the demo it starts is covered by tests/demo. Every later block is executed here.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlens.cli.app import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_opens_with_the_two_set_up_commands():
    setup = _blocks("bash")[0]
    commands = [line for line in setup.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("rnnlens demo")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci  # CI runs exactly the README's test command


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


def test_python_examples_run(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {}
    blocks = _blocks("python")
    assert blocks
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert (workdir / "forecaster-report.html").stat().st_size > 0


def test_shell_examples_run(workdir, monkeypatch):
    if not (workdir / "forecaster.keras").exists():
        test_python_examples_run(workdir, monkeypatch)
    monkeypatch.chdir(workdir)
    runner = CliRunner()
    commands = [
        line
        for block in _blocks("bash")[1:]
        for line in block.splitlines()
        if line.startswith("rnnlens ")
    ]
    assert len(commands) >= 5
    for command in commands:
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"
    assert (workdir / "report.html").exists() and (workdir / "ig.parquet").exists()
