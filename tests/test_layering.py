"""Light imports: the NumPy-only parts of rnnlens import no deep-learning framework.

Each check runs in a fresh interpreter, since the test session itself has Keras loaded long before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

FRAMEWORKS = ("tensorflow", "jax", "torch", "keras")


def _frameworks_loaded_by(statement: str) -> list[str]:
    """The frameworks in ``sys.modules`` after running ``statement`` in a fresh interpreter."""
    script = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps([name for name in {FRAMEWORKS!r} if name in sys.modules]))"
    )
    environment = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "statement",
    [
        "import rnnlens",
        "import rnnlens.units, rnnlens.quality",
        "import rnnlens.data",
        "import rnnlens; rnnlens.units, rnnlens.quality, rnnlens.ShapeError",
        "from rnnlens.units import gate_saturation, summarize_units, unit_concepts",
        "from rnnlens.quality import compare, deletion_curve, FaithfulnessResult",
    ],
)
def test_import_loads_no_framework(statement: str) -> None:
    assert _frameworks_loaded_by(statement) == []


def test_units_and_quality_are_attributes_of_the_package() -> None:
    import rnnlens

    assert rnnlens.units is sys.modules["rnnlens.units"]
    assert rnnlens.quality is sys.modules["rnnlens.quality"]
    assert {"units", "quality", "report", "trace", "ShapeError"} <= set(dir(rnnlens))
    # The package exports the function `compare`, not its module of the same name.
    assert callable(rnnlens.quality.compare)


def test_every_public_name_resolves() -> None:
    import rnnlens

    for name in rnnlens.__all__:
        assert getattr(rnnlens, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rnnlens.nope  # noqa: B018
