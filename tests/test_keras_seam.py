"""Keras internals are read in one module, rnnlens/_keras.py: every other source file stays off them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SOURCES = Path(__file__).resolve().parents[1] / "src" / "rnnlens"
SEAM = SOURCES / "_keras.py"

# Private Keras attributes and modules rnnlens relies on; add a pattern here when _keras.py gains one.
PRIVATE = re.compile(
    r"_nodes_by_depth|_inbound_nodes|_operations\b|\.arguments\b|keras\.src\b|from keras\.src"
    r"|_call_has_training_arg|_keras_history|\b_functional\b|SafeModeScope\(|AutocastScope\("
    r"|[gs]et_keras_mask|__setattr__\(layer, \"(?:quantized_)?call\""
)


def _offences(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("#", 1)[0]
        if PRIVATE.search(code):
            found.append(f"{path.relative_to(SOURCES.parent)}:{number}: {line.strip()}")
    return found


def test_private_keras_access_only_in_the_seam() -> None:
    offences = [
        offence
        for path in sorted(SOURCES.rglob("*.py"))
        if path != SEAM
        for offence in _offences(path)
    ]
    assert not offences, "Private Keras access outside rnnlens/_keras.py:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "line",
    [
        "node = op._inbound_nodes[0]",
        "from keras.src.backend import get_keras_mask",
        "args = node.arguments.args",
        "kwargs = getattr(model, '_call_has_training_arg', True)",
        "for depth in graph._nodes_by_depth:",
    ],
)
def test_the_guard_catches_private_access(line: str) -> None:
    assert PRIVATE.search(line)
