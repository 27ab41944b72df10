"""Real ``.h5`` files saved by many Keras 2 versions (2.0.8 to 2.15), loaded by rnnlens (issue #14).

The files in ``tests/legacy/files/`` were written by ``tools/make-keras2-fixtures``, each by the old Keras
named in its file name, in an environment of its own. Each file carries, in ``/rnnlens_fixture``, the inputs
it was run on and the predictions *that* Keras computed: the reference here is the writing Keras itself, not
a re-implementation. Print the max difference per file with
``python -m tests.legacy.test_real_version_files``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import Baseline
from rnnlens.attribution.diagnostics import GAP_TOLERANCE
from rnnlens.legacy import legacy_provenance
from rnnlens.loading import saved_loss

NAME = re.compile(r"keras-(?P<version>.+)-(?P<model>lstm|gru|sentiment|bidirectional)\.h5")


def _by_version(path: Path) -> tuple[tuple[int, ...], str]:
    """Sort key: ``keras-2.11.0-gru.h5`` after ``keras-2.8.0-gru.h5``."""
    numbers = re.findall(r"\d+", path.name.split("-")[1])
    return tuple(map(int, numbers)), path.name


FILES = sorted((Path(__file__).parent / "files").glob("keras-*.h5"), key=_by_version)

# Every version the generator was run with: a fixture that disappears fails the coverage test.
VERSIONS = (
    "2.0.8",
    "2.1.6",
    "2.2.4",
    "2.2.4-tf",  # tf.keras of TensorFlow 1.15
    "2.3.0-tf",  # tf.keras of TensorFlow 2.2
    "2.3.1",
    "2.4.0",
    "2.8.0",
    "2.11.0",
    "2.15.0",
)
# The loss each model was compiled with by the generator (the LSTM also with the custom ratio_metric).
LOSSES = {
    "lstm": "mse",
    "gru": "categorical_crossentropy",
    "sentiment": "binary_crossentropy",
    "bidirectional": "mae",
}
MODELS = set(LOSSES)


@dataclass(frozen=True)
class Fixture:
    """One fixture file: what wrote it, the inputs it was run on and that Keras's predictions."""

    path: Path
    version: str
    model: str
    writer: str
    inputs: np.ndarray
    predictions: np.ndarray


def read_fixture(path: Path) -> Fixture:
    """Read the inputs and reference predictions stored beside the model in ``path``."""
    match = NAME.fullmatch(path.name)
    assert match is not None, f"{path.name} does not follow keras-<version>-<model>.h5"
    with h5py.File(path, "r") as handle:
        group = handle["rnnlens_fixture"]
        writer = group.attrs["writer"]
        return Fixture(
            path=path,
            version=match["version"],
            model=match["model"],
            writer=writer.decode() if isinstance(writer, bytes) else str(writer),
            inputs=group["inputs"][()],
            predictions=group["predictions"][()],
        )


@cache
def loaded(path: Path) -> Any:
    return rnnlens.load_model(path)


def max_difference(path: Path) -> float:
    """Max ``|rnnlens's prediction - the writing Keras's|`` over the file's recorded inputs."""
    fixture = read_fixture(path)
    ours = np.asarray(loaded(path)(fixture.inputs, training=False))
    return float(np.max(np.abs(ours - fixture.predictions)))


def _params() -> list[Any]:
    return [pytest.param(path, id=path.name) for path in FILES]


def test_fixtures_cover_every_version_and_model():
    found = {(fixture.version, fixture.model) for fixture in map(read_fixture, FILES)}
    assert found == {(version, model) for version in VERSIONS for model in MODELS}


@pytest.mark.parametrize("path", _params())
def test_predictions_equal_the_writing_keras(path):
    fixture = read_fixture(path)
    assert f"keras_version attribute {fixture.version})" in fixture.writer
    assert max_difference(path) <= 1e-5


@pytest.mark.parametrize("path", _params())
def test_describe_names_the_writing_version_and_the_kept_semantics(path):
    fixture = read_fixture(path)
    provenance = legacy_provenance(loaded(path))
    assert provenance is not None
    summary = provenance.summary()
    assert f"saved by Keras {fixture.version};" in summary
    # Keras < 2.3 defaulted recurrent_activation to hard_sigmoid, written into every config it saved.
    old = tuple(map(int, fixture.version.split(".")[:2])) < (2, 3)
    assert ("hard_sigmoid" in summary) == old


@pytest.mark.parametrize("path", _params())
def test_the_compiled_loss_is_read_and_the_custom_metric_never_blocks(path):
    fixture = read_fixture(path)
    with h5py.File(path, "r") as handle:
        training_config = handle.attrs["training_config"]
    # The test can fail: the file really names the custom metric no loader knows.
    assert ("ratio_metric" in str(training_config)) == (fixture.model == "lstm")
    assert saved_loss(loaded(path)) == LOSSES[fixture.model]


# Integrated gradients compiles a function per model (~2 s each on 2 cores): the oldest and newest files,
# one on each side of the hard_sigmoid -> sigmoid change, and the Embedding path.
IG_FILES = ("keras-2.0.8-lstm.h5", "keras-2.2.4-sentiment.h5", "keras-2.15.0-lstm.h5")


def _ig_params() -> list[Any]:
    return [param for param in _params() if param.id in IG_FILES]


@pytest.mark.parametrize("path", _ig_params())
def test_integrated_gradients_complete(path):
    fixture = read_fixture(path)
    result = rnnlens.attribute(
        loaded(path),
        fixture.inputs,
        method="integrated_gradients",
        target=0,
        baselines=Baseline.zeros(),
        faithfulness=False,
        n_steps=256,
    )
    assert result.completeness_gap is not None and result.relative_gap is not None
    if "hard_sigmoid" in legacy_provenance(loaded(path)).summary():
        # Keras 2's hard_sigmoid has kinks where its gradient jumps, so quadrature converges only as
        # 1/n_steps (about 0.5 % at 256 steps here): held to the diagnostics' own tolerance.
        assert np.max(result.relative_gap) <= GAP_TOLERANCE
    else:
        assert np.max(np.abs(result.completeness_gap)) <= 1e-5


def test_describe_command_prints_the_writing_version():
    from typer.testing import CliRunner

    from rnnlens.cli.app import app

    path = Path(__file__).parent / "files" / "keras-2.0.8-lstm.h5"
    result = CliRunner().invoke(app, ["describe", str(path)])
    assert result.exit_code == 0, result.output
    assert "saved by Keras 2.0.8; Keras 2 semantics kept:" in result.output
    assert "hard_sigmoid" in result.output


def main() -> int:
    """Print version, file and max |difference| for every fixture (a load error is printed, not raised)."""
    print(f"{'Keras version':<14} {'file':<34} {'max |difference|':>16}  writer")
    failed = 0
    for path in FILES:
        fixture = read_fixture(path)
        try:
            figure = f"{max_difference(path):16.3g}"
        except Exception as error:  # a table row per file, whatever went wrong
            failed += 1
            figure = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        print(f"{fixture.version:<14} {path.name:<34} {figure:>16}  {fixture.writer}")
    return int(failed > 0)


if __name__ == "__main__":
    sys.exit(main())
