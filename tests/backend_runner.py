"""Run a snippet under another Keras backend in a subprocess (the backend is fixed at import time)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def backend_available(backend: str) -> bool:
    """True when the framework behind ``backend`` is importable in this environment."""
    return importlib.util.find_spec(backend) is not None


def skip_unless_backend(backend: str) -> pytest.MarkDecorator:
    """Skip marker with the reason spelled out (jax and torch are optional extras; CI installs both)."""
    return pytest.mark.skipif(
        not backend_available(backend),
        reason=f"{backend} is not installed (optional extra rnnlens[{backend}])",
    )


def run_in_backend(backend: str, code: str, timeout: int = 600) -> Any:
    """Execute ``code`` with ``KERAS_BACKEND=backend``; it must print one JSON document last.

    The snippet runs with the repository root on ``sys.path`` so it can import ``tests.helpers``.
    """
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src"), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=REPO,
    )
    if result.returncode != 0:
        raise AssertionError(f"{backend} subprocess failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
