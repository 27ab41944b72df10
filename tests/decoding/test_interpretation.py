"""Results round-trip through CSV, JSON and Parquet exactly; HTML escapes user strings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from rnnlens.decoding import decode
from rnnlens.errors import OutputError


@pytest.fixture(scope="module")
def result(softmax_classifier):
    x = np.random.default_rng(8).normal(size=(5, 6, 3)).astype("float32")
    return decode(
        softmax_classifier,
        x,
        labels=["<script>alert(1)</script>", "b&b", "c", "d"],
        sequence_ids=["s1", "s2", "s3", "s4", "s5"],
    )


def test_json_keeps_every_digit_and_the_meta(result, tmp_path):
    path = result.save(tmp_path / "out.json")
    data = json.loads(path.read_text())
    assert data["kind"] == "categorical" and data["output"] == "head"
    assert [row["probability"] for row in data["rows"]] == result.table["probability"].tolist()
    assert [row["sequence_id"] for row in data["rows"]] == ["s1", "s2", "s3", "s4", "s5"]
    assert data["meta"]["class_names"][1] == "b&b"


def test_parquet_round_trip_with_metadata(result, tmp_path):
    path = result.save(tmp_path / "out.parquet")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, result.table, check_dtype=False)
    meta = json.loads(pq.read_schema(path).metadata[b"rnnlens"])
    assert meta["kind"] == "categorical" and meta["meta"]["task"] == "multiclass_classification"


def test_csv_round_trip(result, tmp_path):
    back = pd.read_csv(result.save(tmp_path / "out.csv"))
    np.testing.assert_allclose(back["entropy"], result.table["entropy"], rtol=1e-12)
    assert back["label"].tolist() == result.table["label"].tolist()


def test_html_escapes_user_strings(result):
    page = result._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page and "b&amp;b" in page


def test_unknown_suffix_writes_nothing(result, tmp_path):
    with pytest.raises(OutputError, match=r"path must end in \.csv, \.json, \.parquet, \.html"):
        result.save(tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_partial_file(result, tmp_path, monkeypatch):
    target = tmp_path / "out.parquet"
    import pyarrow.parquet

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pyarrow.parquet, "write_table", boom)
    with pytest.raises(OSError, match="disk full"):
        result.save(target)
    assert list(tmp_path.iterdir()) == []
