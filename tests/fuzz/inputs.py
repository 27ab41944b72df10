"""Bad inputs for the fuzzers: arrays, files, option values and output paths.

Each generator returns what to pass and whether it is *certainly* wrong (``must_fail``); inputs that a
reasonable tool may accept (a big-endian array, ``--top 0``) only have to succeed or fail cleanly.
"""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.fuzz.harness import SCALE

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class BadArray:
    """An array for one model input and whether it is certainly wrong."""

    array: Any
    must_fail: bool
    why: str


ARRAY_KINDS = (
    "0-d",
    "0 samples",
    "0 steps",
    "rank too low",
    "rank too high",
    "wrong last axis",
    "wrong time axis",
    "nan",
    "inf",
    "complex",
    "float128",
    "big-endian",
    "object",
    "strings",
    "bool",
    "huge",
    "float64 beyond float32",
    "ids out of range",
    "negative ids",
    "fractional ids",
    "valid",
)


@st.composite
def bad_arrays(draw: Any, shape: tuple[int, ...], tokens: bool, vocab: int = 20) -> BadArray:
    """A bad array for an input whose samples have ``shape`` (``(time, features)`` or ``(time,)``)."""
    kind = draw(st.sampled_from(ARRAY_KINDS))
    n = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    full = (n, *shape)

    def valid() -> np.ndarray:
        if tokens:
            return rng.integers(1, vocab, size=full).astype("int32")
        return rng.normal(size=full).astype("float32")

    if kind == "0-d":
        return BadArray(np.array(1.0, dtype="float32"), True, kind)
    if kind == "0 samples":
        return BadArray(np.zeros((0, *shape), valid().dtype), True, kind)
    if kind == "0 steps":
        return BadArray(np.zeros((n, 0, *shape[1:]), valid().dtype), True, kind)
    if kind == "rank too low":
        return BadArray(valid()[0], True, kind)
    if kind == "rank too high":
        return BadArray(valid()[..., None, None], True, kind)
    if kind == "wrong last axis":
        extra = draw(st.integers(1, 3))
        if tokens:  # a sequence length the model was not built for
            return BadArray(rng.integers(1, vocab, size=(n, shape[0] + extra)), False, kind)
        return BadArray(rng.normal(size=(n, shape[0], shape[1] + extra)), True, kind)
    if kind == "wrong time axis":
        steps = draw(st.sampled_from([1, shape[0] - 1, shape[0] + 3]))
        rest = shape[1:]
        if tokens:
            return BadArray(rng.integers(1, vocab, size=(n, steps, *rest)), False, kind)
        return BadArray(rng.normal(size=(n, steps, *rest)).astype("float32"), False, kind)
    if kind in ("nan", "inf"):
        array = valid().astype("float32")
        index = tuple(int(rng.integers(0, s)) for s in array.shape)
        array[index] = np.nan if kind == "nan" else draw(st.sampled_from([np.inf, -np.inf]))
        return BadArray(array, True, kind)
    if kind == "complex":
        return BadArray(valid().astype("complex64") + 1j, True, kind)
    if kind == "float128":
        return BadArray(valid().astype(np.longdouble), False, kind)
    if kind == "big-endian":
        array = valid()
        return BadArray(array.astype(array.dtype.newbyteorder(">")), False, kind)
    if kind == "object":
        array = np.empty(full, dtype=object)
        array[...] = draw(st.sampled_from([None, "a", 1.5]))
        return BadArray(array, True, kind)
    if kind == "strings":
        return BadArray(np.full(full, "ab"), True, kind)
    if kind == "bool":
        return BadArray(valid() > 0 if not tokens else valid() > 5, False, kind)
    if kind == "huge":
        return BadArray(
            np.full(full, draw(st.sampled_from([1e30, -3e38])), "float32"), tokens, kind
        )
    if kind == "float64 beyond float32":
        return BadArray(np.full(full, 1e300), True, kind)
    if kind == "ids out of range":
        if not tokens:
            return BadArray(valid(), False, "valid")
        array = valid().astype("int64")
        array.flat[0] = draw(st.sampled_from([vocab, vocab + 7, 2**31 - 1, 2**40]))
        return BadArray(array, True, kind)
    if kind == "negative ids":
        array = valid().astype("int64")
        array.flat[-1] = -draw(st.integers(1, 2**40))
        return BadArray(array, tokens, kind)
    if kind == "fractional ids":
        return BadArray(valid().astype("float64") + 0.5, tokens, kind)
    return BadArray(valid(), False, "valid")


def save_array(
    folder: Path, array: Any, suffix: str, key: str = "x", others: dict | None = None
) -> Path:
    """Write ``array`` as ``.npy`` or ``.npz`` (under ``key``, beside ``others``) and return the path."""
    path = folder / f"data{suffix}"
    if suffix == ".npy":
        np.save(path, array, allow_pickle=True)
    else:
        np.savez(path, **{**(others or {}), key: array})
    return path


# ---------------------------------------------------------------------------------------------------------
# Files

DATA_FILE_KINDS = (
    "missing",
    "directory",
    "empty",
    "truncated",
    "random bytes",
    "pickle",
    "unknown suffix",
    "fifo",
    "dev null",
    "non-utf8 text",
    "npz without x",
    "csv of text",
)
MODEL_FILE_KINDS = (
    "missing",
    "directory",
    "empty",
    "truncated",
    "random bytes",
    "npy as model",
    "unknown suffix",
    "fifo",
    "dev null",
    "text as model",
)
NAMES_FILE_KINDS = ("missing", "directory", "empty", "non-utf8", "fifo", "too many", "blank lines")


def bad_data_file(
    folder: Path, kind: str, valid: Path, cut: float, noise: bytes
) -> tuple[Path, bool]:
    """A bad DATA file of ``kind`` made from the ``valid`` one; ``(path, must_fail)``."""
    suffix = valid.suffix
    path = folder / f"data{suffix}"
    if kind == "missing":
        return path, True
    if kind == "directory":
        path.mkdir()
        return path, True
    if kind == "empty":
        path.write_bytes(b"")
        return path, True
    if kind == "truncated":
        raw = valid.read_bytes()
        path.write_bytes(raw[: int(len(raw) * cut)])
        return path, suffix in (".npy", ".npz", ".parquet")
    if kind == "random bytes":
        path.write_bytes(noise)
        return path, suffix in (".npy", ".npz", ".parquet")
    if kind == "pickle":
        path = folder / "data.npy"
        path.write_bytes(pickle.dumps({"x": [1, 2, 3]}))
        return path, True
    if kind == "unknown suffix":
        path = folder / "data.xyz"
        shutil.copy(valid, path)
        return path, True
    if kind == "fifo":
        os.mkfifo(path)
        return path, True
    if kind == "dev null":
        return Path(os.devnull), True
    if kind == "non-utf8 text":
        path = folder / "data.txt"
        path.write_bytes(b"w1 w2 \xff\xfe\xfa w3\n" + noise)
        return path, True
    if kind == "npz without x":
        path = folder / "data.npz"
        np.savez(path, wrong_name=np.zeros((2, 3, 4), "float32"))
        return path, True
    path = folder / "data.csv"
    path.write_text("id,time,value\na,b,c\nd,e,f\n", encoding="utf-8")
    return path, True


def bad_model_file(
    folder: Path, kind: str, valid: Path, cut: float, noise: bytes
) -> tuple[Path, bool]:
    """A bad MODEL file of ``kind`` made from the ``valid`` one; ``(path, must_fail)``."""
    path = folder / f"model{valid.suffix}"
    if kind == "missing":
        return path, True
    if kind == "directory":
        path.mkdir()
        return path, True
    if kind == "empty":
        path.write_bytes(b"")
        return path, True
    if kind == "truncated":
        raw = valid.read_bytes()
        path.write_bytes(raw[: int(len(raw) * cut)])
        return path, True
    if kind == "random bytes":
        path.write_bytes(noise)
        return path, True
    if kind == "npy as model":
        np.save(folder / "array.npy", np.zeros(3))
        (folder / "array.npy").rename(path)
        return path, True
    if kind == "unknown suffix":
        path = folder / "model.bin"
        shutil.copy(valid, path)
        return path, True
    if kind == "fifo":
        os.mkfifo(path)
        return path, True
    if kind == "dev null":
        return Path(os.devnull), True
    path.write_text("this is not a model\n", encoding="utf-8")
    return path, True


def bad_names_file(folder: Path, kind: str, lines: int) -> tuple[Path, bool | None]:
    """A bad vocabulary / labels file; must_fail None means 'depends on the option' (a count mismatch)."""
    path = folder / "names.txt"
    if kind == "missing":
        return path, True
    if kind == "directory":
        path.mkdir()
        return path, True
    if kind == "empty":
        path.write_bytes(b"")
        return path, True
    if kind == "non-utf8":
        path.write_bytes(b"".join(b"w%d\xff\xfe\n" % i for i in range(lines)))
        return path, True
    if kind == "fifo":
        os.mkfifo(path)
        return path, True
    if kind == "too many":
        path.write_text("\n".join(f"w{i}" for i in range(lines * 50)) + "\n", encoding="utf-8")
        return path, None
    path.write_text("\n\n\n", encoding="utf-8")
    return path, None


# ---------------------------------------------------------------------------------------------------------
# Option values

NUMBERS = (
    "0",
    "-1",
    "-7",
    "1",
    "2",
    "1000000000",
    "99999999999999999999",
    "inf",
    "-inf",
    "nan",
    "abc",
    "1.5",
    "",
    "1e3",
)
BIG_BATCH = (
    "1000000000" if SCALE > 1 else "100000"
)  # a 10^9 batch pads to 10^9 rows: seconds per case


def is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
