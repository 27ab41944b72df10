"""Fuzz fixtures: the tiny model zoo on disk, model loading cached for it, and the case count."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.harness import CASES, SECONDS
from tests.fuzz.zoo import Zoo, build_zoo


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Zoo:
    """Five tiny saved models with valid data, built once per session."""
    return build_zoo(tmp_path_factory.mktemp("zoo"))


@pytest.fixture(scope="session")
def loaded(zoo: Zoo) -> dict[str, Any]:
    """The zoo's models loaded once, by target name (the API fuzzers call the library on these)."""
    from rnnlens.loading import load_model

    return {name: load_model(target.model) for name, target in zoo.targets.items()}


@pytest.fixture(scope="module")
def cached_loading(zoo: Zoo, loaded: dict[str, Any]) -> Iterator[None]:
    """``rnnlens.loading.load_model`` returns the already-loaded model for the zoo's own files, so a CLI case
    costs its bad input, not a model load. Every other path (the bad model files) goes to the real loader."""
    import rnnlens.loading

    real = rnnlens.loading.load_model
    by_path = {str(t.model.resolve()): loaded[name] for name, t in zoo.targets.items()}

    def load_model(
        path: str | os.PathLike[str], *, safe_mode: bool = True, custom_objects: Any = None
    ) -> Any:
        try:
            key = str(Path(path).resolve())
        except (OSError, RuntimeError, ValueError):
            key = ""
        if key in by_path and safe_mode and custom_objects is None:
            return by_path[key]
        return real(path, safe_mode=safe_mode, custom_objects=custom_objects)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rnnlens.loading, "load_model", load_model)
        yield


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many fuzz cases ran (and write them to $RNNLENS_FUZZ_COUNTS when set)."""
    if not CASES:
        return
    total = sum(CASES.values())
    terminalreporter.write_sep("-", f"rnnlens fuzz: {total} cases")
    for family, count in sorted(CASES.items()):
        terminalreporter.write_line(f"  {family}: {count}")
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(SECONDS.items()))
    if spent:
        terminalreporter.write_line(f"  time per command: {spent}")
    target = os.environ.get("RNNLENS_FUZZ_COUNTS")
    if target:
        Path(target).write_text(json.dumps({"total": total, **CASES}, indent=2), encoding="utf-8")
