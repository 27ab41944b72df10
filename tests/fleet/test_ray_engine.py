"""The Ray engine: the same rows as the local engine, resumable, and rnnlens errors (not Ray's) on failure.

One local Ray with 2 CPUs serves the whole module (``run_ray`` uses a Ray already running in the process and
leaves it running), so Ray starts once.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from rnnlens.errors import ModelLoadError, OptionError  # noqa: E402
from rnnlens.fleet import batch  # noqa: E402
from rnnlens.fleet.chunks import plan_fleet_chunks  # noqa: E402
from rnnlens.fleet.options import FleetOptions, WorkerSpec  # noqa: E402
from rnnlens.fleet.ray_engine import run_ray  # noqa: E402
from rnnlens.fleet.sources import input_format, open_source  # noqa: E402
from rnnlens.fleet.store import FleetStore, part_name  # noqa: E402

N, T, F, CHUNK = 10, 8, 3, 4  # 3 chunks: 4 + 4 + 2 sequences
OPTIONS = {
    "tasks": "predict,attribute,trace-summary",
    "method": "integrated_gradients",
    "n_steps": 8,
}


@pytest.fixture(scope="module")
def local_ray():
    import logging

    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A regression model file (LSTM(6) -> Dense(1)) and an .npy fleet of N sequences."""
    import keras

    folder = tmp_path_factory.mktemp("fleet")
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [keras.Input((T, F)), keras.layers.LSTM(6, name="lstm"), keras.layers.Dense(1, name="head")]
    )
    model.save(folder / "model.keras")
    np.save(folder / "x.npy", np.random.default_rng(0).normal(size=(N, T, F)).astype("float32"))
    return folder / "model.keras", folder / "x.npy"


@pytest.fixture(scope="module")
def local_out(fleet: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    model, data = fleet
    out = tmp_path_factory.mktemp("local") / "out"
    batch(model, data, out, engine="local", workers=1, chunk_size=CHUNK, **OPTIONS)
    return out


def _rows(out: Path) -> dict[str, list]:
    import pyarrow.dataset as ds

    table = ds.dataset(out, format="parquet").to_table().sort_by("position")
    return table.to_pydict()


def _assert_same_rows(got: dict[str, list], want: dict[str, list]) -> None:
    assert list(got) == list(want)
    assert got["position"] == list(range(N))
    for name, expected in want.items():
        actual = got[name]
        if name == "top_contributions":
            assert [[c["step"] for c in row] for row in actual] == [
                [c["step"] for c in row] for row in expected
            ]
            np.testing.assert_allclose(
                [[c["value"] for c in row] for row in actual],
                [[c["value"] for c in row] for row in expected],
                rtol=1e-4,
                atol=1e-6,
            )
        elif isinstance(expected[0], float | list):
            np.testing.assert_allclose(
                np.asarray(actual, np.float64),
                np.asarray(expected, np.float64),
                rtol=1e-4,
                atol=1e-6,
            )
        else:
            assert actual == expected, name


def test_ray_resumes_a_run_with_the_local_engines_rows(
    local_ray, fleet, local_out, tmp_path
) -> None:
    """Chunks 0 and 2 are lost (as after a crash); Ray on 2 actors redoes them and only them."""
    model, data = fleet
    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    for index in (0, 2):
        (out / part_name(index)).unlink()
    kept = (out / part_name(1)).stat().st_mtime_ns
    seen: list[int] = []
    summary = batch(
        model,
        data,
        out,
        engine="ray",
        workers=2,
        chunk_size=CHUNK,
        on_progress=seen.append,
        **OPTIONS,
    )
    assert sorted(seen) == [2, 4]  # chunk 1 was skipped
    assert (out / part_name(1)).stat().st_mtime_ns == kept
    assert json.loads((out / "_manifest.json").read_text())["finished"] == [0, 1, 2]
    assert summary.n_sequences == N
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in local_out.iterdir())
    rows = _rows(out)
    _assert_same_rows(rows, _rows(local_out))
    import keras  # and the prediction column is Keras's own prediction

    expected = keras.saving.load_model(model).predict(np.load(data), verbose=0)[:, 0]
    np.testing.assert_allclose(rows["prediction"], expected, rtol=1e-5, atol=1e-6)


def test_an_actors_rnnlens_error_is_raised_as_itself(local_ray, fleet, tmp_path: Path) -> None:
    model, data = fleet
    not_a_model = tmp_path / "broken.keras"
    not_a_model.write_bytes(b"not a zip file")
    import keras

    source = open_source(data, input_format(keras.saving.load_model(model)))
    spec = WorkerSpec(str(not_a_model), options=FleetOptions(tasks=("predict",)))
    store = FleetStore(tmp_path / "out", "fingerprint")
    with pytest.raises(ModelLoadError) as caught:
        run_ray(source, plan_fleet_chunks(N, CHUNK), spec, store, workers=1)
    assert "broken.keras" in str(caught.value)
    assert "ray" not in type(caught.value).__module__
    assert store.finished == frozenset()


def test_workers_must_be_a_positive_integer(fleet, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="workers"):
        run_ray(None, plan_fleet_chunks(N, CHUNK), None, None, workers=0)  # type: ignore[arg-type]
