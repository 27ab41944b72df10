"""Data in: ``.npy`` / ``.npz`` arrays, long CSV / Parquet tables windowed for a model, and token files.

:func:`load_data` is the single entry point every CLI command uses; it returns a frozen :class:`Dataset`
whose feature names, sequence ids and timestamps travel into every result.
"""

from __future__ import annotations

from rnnlens.data.arrays import METADATA_KEYS, read_npy, read_npz
from rnnlens.data.dataset import Dataset
from rnnlens.data.loader import SUFFIXES, load_data, read_labels
from rnnlens.data.tables import read_table, table_to_dataset
from rnnlens.data.tokens import OOV_TOKENS, encode_token_lines, read_token_file, read_vocab
from rnnlens.data.windowing import Windows, window_sequences

__all__ = [
    "METADATA_KEYS",
    "OOV_TOKENS",
    "SUFFIXES",
    "Dataset",
    "Windows",
    "encode_token_lines",
    "load_data",
    "read_labels",
    "read_npy",
    "read_npz",
    "read_table",
    "read_token_file",
    "read_vocab",
    "table_to_dataset",
    "window_sequences",
]
