"""A small fleet shared by the fleet tests: 40 sequences of 12 steps x 3 features, a tiny LSTM classifier,
the same data as .npy, .npz, a Parquet long table and a folder of shards, and one reference run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

N, T, F = 40, 12, 3
FEATURES = ("temp", "rpm", "vib")
#: The options of every run the tests compare: 5 chunks of 8, cheap attributions.
RUN = {"tasks": "predict,attribute", "n_steps": 8, "chunk_size": 8}


def build_model(path: Path) -> Path:
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((T, F), name="x")
    hidden = keras.layers.LSTM(4, name="lstm")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head")(hidden)
    keras.Model(inputs, outputs, name="fleet").save(path)
    return path


def long_table(x: np.ndarray, ids: list[str]) -> pd.DataFrame:
    """One row per (id, step), steps stored in reverse time order (the reader sorts them)."""
    rows = []
    for sequence, values in zip(ids, x, strict=True):
        for step in reversed(range(T)):
            rows.append(
                {"unit": sequence, "cycle": step, **dict(zip(FEATURES, values[step], strict=True))}
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def fleet(tmp_path_factory) -> dict[str, Path | np.ndarray | list[str]]:
    folder = tmp_path_factory.mktemp("fleet")
    x = np.random.default_rng(5).normal(size=(N, T, F)).astype("float32")
    ids = [f"engine-{i:02d}" for i in range(N)]
    np.save(folder / "x.npy", x)
    np.savez(folder / "x.npz", x=x, sequence_ids=np.array(ids), feature_names=np.array(FEATURES))
    np.savez_compressed(folder / "compressed.npz", x=x)
    table = long_table(x, ids)
    table.to_parquet(folder / "fleet.parquet", row_group_size=50)
    shards = folder / "shards"
    shards.mkdir()
    for part, start in enumerate(range(0, N * T, 7 * T)):  # 7 sequences per shard
        table.iloc[start : start + 7 * T].to_parquet(shards / f"shard-{part}.parquet")
    return {
        "folder": folder,
        "x": x,
        "ids": ids,
        "npy": folder / "x.npy",
        "npz": folder / "x.npz",
        "compressed": folder / "compressed.npz",
        "parquet": folder / "fleet.parquet",
        "shards": shards,
        "model": build_model(folder / "fleet.keras"),
    }


@pytest.fixture(scope="session")
def reference(fleet) -> Path:
    """An uninterrupted run over the .npy file, in this process (workers=1)."""
    import rnnlens.fleet

    out = fleet["folder"] / "reference"
    rnnlens.fleet.batch(fleet["model"], fleet["npy"], out, workers=1, **RUN)
    return out
