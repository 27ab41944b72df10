"""Trace results: named axes, lookup, immutability, long DataFrames, save / load."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import rnnlens
from rnnlens.errors import DataError, TargetError


def test_layout_and_axes(bi_trace, bi_inputs):
    assert bi_trace.keys() == ["bi.forward", "bi.backward", "gru"]
    assert bi_trace.model == "bi_model" and bi_trace.backend == "tensorflow"
    fw = bi_trace["bi.forward"]
    assert fw.axes == ("batch", "time", "unit")
    assert fw.hidden.shape == (5, 6, 3) and fw.mask.shape == (5, 6)
    assert set(fw.initial_states) == {"hidden", "cell_state"}
    assert bi_trace["gru"].cell_state is None
    assert "gru" in bi_trace and len(bi_trace) == 3
    assert [t.key for t in bi_trace] == bi_trace.keys()


def test_lookup_errors_name_the_choices(bi_trace):
    with pytest.raises(TargetError, match=r"bi\.forward"):
        bi_trace["bi"]  # a Bidirectional layer has two traces
    with pytest.raises(TargetError, match="traced layers are"):
        bi_trace["nope"]


def test_results_are_frozen_and_read_only(bi_trace):
    fw = bi_trace["bi.forward"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fw.units = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        fw.values["hidden"] = fw.hidden  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        fw.hidden[0, 0, 0] = 1.0


def test_dataframe_is_long_and_matches_the_arrays(bi_trace):
    frame = bi_trace.to_dataframe()
    assert list(frame.columns) == [
        "sample", "time", "layer", "direction", "quantity", "unit", "value", "mask",
    ]  # fmt: skip
    expected_rows = sum(a.size for t in bi_trace for a in t.values.values())
    assert len(frame) == expected_rows
    bw = bi_trace["bi.backward"]
    row = frame[
        (frame["layer"] == "bi.backward")
        & (frame["quantity"] == "forget_gate")
        & (frame["sample"] == 2)
        & (frame["time"] == 3)
        & (frame["unit"] == 1)
    ]
    assert row["value"].item() == bw.gates["forget_gate"][2, 3, 1]
    assert row["direction"].item() == "backward"
    masked = frame[(frame["sample"] == 1) & (frame["time"] >= 4)]
    assert not masked["mask"].any() and frame[frame["sample"] == 0]["mask"].all()


def test_dataframe_selection(bi_trace):
    frame = bi_trace.to_dataframe(layers="bi", quantities=["hidden"], samples=[0, 3])
    assert set(frame["layer"]) == {"bi.forward", "bi.backward"}
    assert set(frame["quantity"]) == {"hidden"} and set(frame["sample"]) == {0, 3}
    assert len(frame) == 2 * 2 * 6 * 3
    with pytest.raises(TargetError):
        bi_trace.to_dataframe(layers=["missing"])


@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_save_and_load_round_trip(bi_trace, tmp_path, suffix):
    path = bi_trace.save(tmp_path / f"trace{suffix}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"trace{suffix}"
    ]  # no temporary left behind
    loaded = rnnlens.Trace.load(path)
    assert loaded.keys() == bi_trace.keys() and loaded.model == bi_trace.model
    for original, copy in zip(bi_trace, loaded, strict=True):
        assert copy.metadata() == original.metadata()
        for name in original.values:
            np.testing.assert_array_equal(copy.values[name], original.values[name])
        for name in original.initial_states:
            np.testing.assert_array_equal(copy.initial_states[name], original.initial_states[name])
        np.testing.assert_array_equal(copy.mask, original.mask)


def test_h5_traces_open_as_memory_maps(bi_trace, tmp_path):
    path = bi_trace.save(tmp_path / "trace.h5")
    lazy = rnnlens.Trace.load(path, mmap=True)
    assert isinstance(lazy["gru"].hidden, np.memmap)
    np.testing.assert_array_equal(lazy["gru"].hidden, bi_trace["gru"].hidden)


def test_load_rejects_files_that_are_not_traces(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(DataError, match="other.npz"):
        rnnlens.Trace.load(tmp_path / "other.npz")
    with pytest.raises(DataError, match="does not exist"):
        rnnlens.Trace.load(tmp_path / "missing.npz")
    (tmp_path / "t.json").write_text("{}")
    with pytest.raises(DataError, match=r"\.npz or \.h5"):
        rnnlens.Trace.load(tmp_path / "t.json")
