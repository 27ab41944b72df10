"""Sources read every format chunk by chunk, exactly as the data holds it, and refuse bad data by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnlens.errors import DataError, OptionError, ShapeError
from rnnlens.fleet.chunks import ChunkSpec, plan_fleet_chunks
from rnnlens.fleet.sources import InputFormat, open_source
from tests.fleet.conftest import FEATURES, N, T, long_table

FORMAT = InputFormat("x", (None, T, 3))


def _read_all(source, chunk_size=8):
    chunks = [source.read(spec) for spec in plan_fleet_chunks(source.n_sequences, chunk_size)]
    return np.concatenate([c.ids for c in chunks]), np.concatenate([c.inputs for c in chunks])


@pytest.mark.parametrize("kind", ["npy", "npz", "compressed", "parquet", "shards"])
def test_every_format_reads_the_same_sequences(fleet, kind):
    source = open_source(fleet[kind], FORMAT)
    ids, inputs = _read_all(source)
    assert source.n_sequences == N
    np.testing.assert_array_equal(inputs, fleet["x"])
    expected = fleet["ids"] if kind in ("npz", "parquet", "shards") else list(range(N))
    assert ids.tolist() == expected
    if kind in ("npz", "parquet", "shards"):
        assert source.feature_names == FEATURES


def test_uncompressed_npz_and_npy_are_memory_mapped(fleet):
    from rnnlens.fleet.sources import _open_array

    for kind in ("npy", "npz"):
        assert isinstance(_open_array(fleet[kind]), np.memmap), kind
    assert not isinstance(_open_array(fleet["compressed"]), np.memmap)


def test_a_long_history_gives_its_last_window(fleet, tmp_path):
    x = np.arange(2 * 20 * 3, dtype="float32").reshape(2, 20, 3)
    latest = long_table(x[:, :T], ["a", "b"]).assign(cycle=lambda f: f.cycle + 100)
    older = long_table(x[:, 8:], ["a", "b"]).assign(cycle=lambda f: f.cycle + 8)
    frame = pd.concat([latest, older])
    # rows of one id together, times shuffled: a holds steps 8..19 and 100..111 (the latest)
    frame = frame.sort_values("unit", kind="stable")
    frame.to_parquet(tmp_path / "long.parquet")
    chunk = open_source(tmp_path / "long.parquet", FORMAT).read(ChunkSpec(0, 0, 2))
    np.testing.assert_array_equal(chunk.inputs, x[:, :T])


def test_short_sequences_need_padding(fleet, tmp_path):
    frame = long_table(fleet["x"][:2], ["a", "b"])
    frame[frame.cycle >= 4].to_parquet(tmp_path / "short.parquet")
    with pytest.raises(DataError, match="fewer than the window"):
        open_source(tmp_path / "short.parquet", FORMAT).read(ChunkSpec(0, 0, 2))
    padded = open_source(tmp_path / "short.parquet", FORMAT, padding="pre").read(ChunkSpec(0, 0, 2))
    np.testing.assert_array_equal(padded.inputs[:, 4:], fleet["x"][:2, 4:])
    assert padded.mask is not None and not padded.mask[:, :4].any()


def test_bad_data_is_refused_with_what_to_do(fleet, tmp_path):
    np.save(tmp_path / "empty.npy", np.zeros((0, T, 3), "float32"))
    with pytest.raises(ShapeError, match="0 sequences"):
        open_source(tmp_path / "empty.npy", FORMAT)
    np.save(tmp_path / "wide.npy", np.zeros((4, T, 5), "float32"))
    with pytest.raises(ShapeError, match="feature axis"):
        open_source(tmp_path / "wide.npy", FORMAT)
    bad = fleet["x"][:8].copy()
    bad[5, 2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(
        DataError, match="sequences 0 to 7: sequence 5 holds nan at step 2, feature 1"
    ):
        open_source(tmp_path / "nan.npy", FORMAT).read(ChunkSpec(0, 0, 8))
    with pytest.raises(DataError, match="'engine' .*not in"):
        open_source(fleet["parquet"], FORMAT, id_column="engine")
    with pytest.raises(ShapeError, match="expects 3 feature"):
        open_source(fleet["parquet"], FORMAT, feature_columns=["temp", "rpm"])
    with pytest.raises(OptionError, match="only apply to Parquet"):
        open_source(fleet["npy"], FORMAT, id_column="unit")
    frame = long_table(fleet["x"][:3], ["a", "b", "c"])
    frame.sample(frac=1.0, random_state=0).to_parquet(tmp_path / "mixed.parquet")
    with pytest.raises(DataError, match="not consecutive"):
        open_source(tmp_path / "mixed.parquet", FORMAT)
    with pytest.raises(ShapeError, match="0 sequences"):
        plan_fleet_chunks(0, 8)
    with pytest.raises(OptionError, match="chunk_size"):
        plan_fleet_chunks(5, 0)


def test_sources_pickle_without_their_open_files(fleet):
    import pickle

    for kind in ("npy", "parquet"):
        source = open_source(fleet[kind], FORMAT)
        source.read(ChunkSpec(0, 0, 4))
        copy = pickle.loads(pickle.dumps(source))
        assert len(pickle.dumps(source)) < 20_000
        np.testing.assert_array_equal(copy.read(ChunkSpec(1, 4, 8)).inputs, fleet["x"][4:8])
