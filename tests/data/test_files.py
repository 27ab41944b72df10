"""Every reader refuses directories, FIFOs, binary and non-UTF-8 files with the file's name and a remedy."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from rnnlens.data import load_data, read_labels, read_vocab
from rnnlens.errors import DataError

LATIN1 = "good\ncaf\xe9\n".encode("latin-1")  # byte 8 (0-based) is 0xe9, invalid in UTF-8


@pytest.mark.parametrize(
    ("reader", "what"),
    [
        (read_vocab, "Vocabulary file"),
        (read_labels, "Labels file"),
        (lambda path: load_data(path.with_suffix(".txt")), "Token file"),
    ],
)
def test_non_utf8_text_names_file_and_byte(tmp_path, reader, what):
    path = tmp_path / "words.txt"
    path.write_bytes(LATIN1)
    with pytest.raises(
        DataError,
        match=rf"{what} 'words.txt' is not UTF-8 text: byte 8 is 0xe9. Re-save it as UTF-8",
    ):
        reader(path)


def test_non_utf8_csv_names_the_byte(tmp_path):
    path = tmp_path / "s.csv"
    data = b"id,t,a\n1,0,1\n1,1,\xff\n"
    path.write_bytes(data)
    offset = data.index(b"\xff")
    with pytest.raises(DataError, match=rf"'s.csv' is not UTF-8 text: byte {offset} is 0xff"):
        load_data(path)


def test_binary_file_given_as_a_vocabulary(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros(3))
    with pytest.raises(DataError, match=r"'x.npy' is not UTF-8 text: byte 0 is 0x93"):
        read_vocab(tmp_path / "x.npy")
    (tmp_path / "zeros.txt").write_bytes(b"pad\n\x00\x00\x00\n")
    with pytest.raises(DataError, match=r"looks binary: it holds a NUL byte at byte 4"):
        read_vocab(tmp_path / "zeros.txt")


def test_utf8_byte_order_mark_is_not_part_of_the_first_token(tmp_path):
    (tmp_path / "v.txt").write_bytes("\ufeff<pad>\nthe\n".encode())
    assert read_vocab(tmp_path / "v.txt") == ("<pad>", "the")


@pytest.mark.parametrize("name", ["data.csv", "data.npy", "data.txt", "data.npz", "data.parquet"])
def test_directory_given_as_data(tmp_path, name):
    (tmp_path / name).mkdir()
    with pytest.raises(DataError, match=rf"'.*{name}' is a directory; pass the file inside it"):
        load_data(tmp_path / name)


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
@pytest.mark.parametrize("name", ["data.csv", "data.npy", "vocab.txt"])
def test_fifo_is_refused_without_blocking(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)  # opening it for reading would block until a writer appears
    reader = read_vocab if name == "vocab.txt" else load_data
    with pytest.raises(DataError, match="is not a regular file"):
        reader(fifo)
    with pytest.raises(DataError, match="is not a regular file"):
        read_labels(fifo)


@pytest.mark.parametrize("path", [None, 42, b"data.npy"])
def test_path_of_the_wrong_type(path):
    with pytest.raises(DataError, match="must be a data file path"):
        load_data(path)
