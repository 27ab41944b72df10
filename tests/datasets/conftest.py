"""Fixtures for the C-MAPSS tests: the packaged dataset and, when present, NASA's raw text files."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]

# Where NASA's text files live: the directory RNNLENS_CMAPSS_DIR names if set, else beside the checkout
# (CI copies shared/ to ../shared) or inside it.
RAW_CANDIDATES = (
    [Path(os.environ["RNNLENS_CMAPSS_DIR"])]
    if os.environ.get("RNNLENS_CMAPSS_DIR")
    else [
        REPO.parent / "shared" / "data" / "cmapss_fd001",
        REPO / "shared" / "data" / "cmapss_fd001",
    ]
)


def find_raw_dir() -> Path | None:
    for candidate in RAW_CANDIDATES:
        if (candidate / "train_FD001.txt").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    found = find_raw_dir()
    if found is None:
        pytest.skip(
            "NASA's C-MAPSS text files are not present (looked in "
            f"{', '.join(map(str, RAW_CANDIDATES))}); internal-consistency tests still run"
        )
    return found


@pytest.fixture(scope="session")
def raw(raw_dir: Path) -> dict[str, np.ndarray]:
    """The raw files parsed by NumPy alone, independent of rnnlens's packing code."""
    return {
        "train": np.loadtxt(raw_dir / "train_FD001.txt"),
        "test": np.loadtxt(raw_dir / "test_FD001.txt"),
        "rul": np.loadtxt(raw_dir / "RUL_FD001.txt", dtype=np.int64),
    }


@pytest.fixture(scope="session")
def fd001():
    """``load_cmapss_fd001()`` with its defaults, loaded once."""
    from rnnlens.datasets.cmapss import load_cmapss_fd001

    return load_cmapss_fd001()


@pytest.fixture(scope="session")
def train_tool() -> ModuleType:
    """``tools/train_cmapss.py`` imported as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location(
        "train_cmapss", REPO / "tools" / "train_cmapss.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = dict(os.environ)
    try:
        spec.loader.exec_module(
            module
        )  # the script pins KERAS_BACKEND; keep the session's env as is
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return module
