"""Token files for Embedding models: a vocabulary file and one whitespace-separated sequence per line.

Conventions (the CLI documents the same):

* Vocabulary file: one token per line, **line number = token id**, counting from 0. Nothing is reserved
  implicitly. Id 0 is what padding writes, so put your padding token on line 0 (an empty first line, as
  ``keras.layers.TextVectorization.get_vocabulary()`` produces, counts as the padding token).
* Unknown tokens map to the vocabulary's out-of-vocabulary token when it has one (``[UNK]``, ``<unk>``,
  ``<UNK>``, ``[OOV]``, ``<oov>`` or ``<OOV>``); without one, an unknown token is an error naming its line.
* A token file without a vocabulary must hold integer ids.
* Sequences are padded with id 0 and truncated to the model's length exactly like
  ``keras.utils.pad_sequences(..., padding=p, truncating=p)``: ``"pre"`` (the default, as in Keras) pads
  and drops at the start, ``"post"`` at the end, ``"none"`` requires every line to have the exact length.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnnlens.data.dataset import Dataset
from rnnlens.data.files import read_text
from rnnlens.errors import DataError, ShapeError

__all__ = [
    "OOV_TOKENS",
    "check_vocab",
    "check_vocab_fits",
    "encode_token_lines",
    "read_token_file",
    "read_vocab",
]

OOV_TOKENS = ("[UNK]", "<unk>", "<UNK>", "[OOV]", "<oov>", "<OOV>")


def read_vocab(path: str | os.PathLike[str], *, vocab_size: int | None = None) -> tuple[str, ...]:
    """Read a vocabulary file: one token per line, line number (from 0) = token id.

    Args:
        path: the vocabulary file (UTF-8).
        vocab_size: the model's Embedding ``input_dim``; a longer vocabulary is refused.

    Raises:
        DataError: the file is missing, not a regular file, not UTF-8 or empty, a token repeats, a line
            after the first is empty, or the vocabulary is larger than ``vocab_size``.

    Example:
        >>> _ = (folder / "vocab.txt").write_text("\\n[UNK]\\nthe\\nmovie\\n", encoding="utf-8")
        >>> read_vocab(folder / "vocab.txt")
        ('', '[UNK]', 'the', 'movie')
    """
    text = read_text(path, "Vocabulary file")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the newline that ends the last line
    tokens = tuple(line.rstrip("\r").strip() for line in lines)
    name = Path(path).name
    return check_vocab_fits(check_vocab(tokens, source=name), vocab_size, source=name)


def check_vocab(tokens: Sequence[str], *, source: str = "the vocabulary") -> tuple[str, ...]:
    """Validate a vocabulary (unique tokens; only id 0 may be empty) and return it as a tuple."""
    tokens = tuple(str(token) for token in tokens)
    if not tokens:
        raise DataError(f"{source} is empty: expected one token per line.")
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token == "" and index > 0:
            raise DataError(
                f"{source} has an empty token at id {index} (line {index + 1}); only id 0 (the padding "
                "token) may be empty. Remove the blank line."
            )
        if token in seen:
            raise DataError(
                f"{source} lists token {token!r} twice, at ids {seen[token]} and {index} "
                f"(lines {seen[token] + 1} and {index + 1}); each token needs one id."
            )
        seen[token] = index
    return tokens


def check_vocab_fits(
    tokens: tuple[str, ...], vocab_size: int | None, *, source: str = "the vocabulary"
) -> tuple[str, ...]:
    """Refuse a vocabulary with more tokens than the model's Embedding has rows.

    Token ``i`` maps to id ``i``; ids at or above the Embedding's ``input_dim`` have no embedding vector, so
    such a vocabulary cannot be the one the model was trained with.

    Raises:
        DataError: ``len(tokens) > vocab_size``.
    """
    if vocab_size is not None and len(tokens) > vocab_size:
        raise DataError(
            f"{source} has {len(tokens)} tokens but the model's Embedding has input_dim={vocab_size}: "
            f"tokens {vocab_size}..{len(tokens) - 1} would map to ids the Embedding does not have. "
            "Use the vocabulary the model was trained with."
        )
    return tokens


def encode_token_lines(
    lines: Sequence[str],
    *,
    vocab: Sequence[str] | None,
    length: int | None,
    padding: str = "pre",
    vocab_size: int | None = None,
    source: str = "the token file",
    line_numbers: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Turn text lines into padded token ids.

    Args:
        lines: one sequence per entry, tokens separated by whitespace.
        vocab: the vocabulary (position = id); None when the lines hold integer ids.
        length: the model's sequence length; None pads to the longest line.
        padding: ``"pre"``, ``"post"`` or ``"none"`` (see the module docstring).
        vocab_size: the Embedding's ``input_dim``; ids must stay below it.
        source: the file name, for messages.
        line_numbers: the file line of each entry, for messages (default 1, 2, ...).

    Returns:
        ``ids`` ``(batch, length)`` int32 and ``mask`` ``(batch, length)`` bool (False on padding).

    Raises:
        DataError: an unknown token without an OOV entry, a non-integer id, an id beyond the Embedding,
            an empty file, or (``padding="none"``) a line of the wrong length.
    """
    if padding not in ("pre", "post", "none"):
        raise ShapeError(
            f"Argument `padding` must be 'pre', 'post' or 'none', received {padding!r}."
        )
    if not lines:
        raise DataError(f"{source} holds no sequences.")
    if vocab is not None:
        check_vocab_fits(tuple(vocab), vocab_size, source=f"The vocabulary for {source}")
    numbers = list(range(1, len(lines) + 1)) if line_numbers is None else list(line_numbers)
    lookup = None if vocab is None else {token: index for index, token in enumerate(vocab)}
    sequences = [
        _encode_line(line, number, lookup, source)
        for number, line in zip(numbers, lines, strict=True)
    ]
    if vocab_size is not None:
        for number, ids in zip(numbers, sequences, strict=True):
            if ids.size and (ids.max() >= vocab_size or ids.min() < 0):
                raise DataError(
                    f"Line {number} of {source} holds token id {int(ids.max())}, outside the Embedding's "
                    f"range [0, {vocab_size}). Use the model's own vocabulary."
                )
    target = max(len(s) for s in sequences) if length is None else length
    ids = np.zeros((len(sequences), target), dtype=np.int32)
    mask = np.zeros((len(sequences), target), dtype=bool)
    for row, seq in enumerate(sequences):
        if padding == "none" and len(seq) != target:
            raise DataError(
                f"Line {numbers[row]} of {source} has {len(seq)} token(s) but the model takes exactly "
                f"{target}. Pass padding='pre' or 'post' (CLI --padding) to pad / truncate."
            )
        kept = seq[-target:] if padding == "pre" else seq[:target]
        if padding == "pre":
            ids[row, target - len(kept) :] = kept
            mask[row, target - len(kept) :] = True
        else:
            ids[row, : len(kept)] = kept
            mask[row, : len(kept)] = True
    return ids, mask


def read_token_file(
    path: str | os.PathLike[str],
    *,
    vocab: Sequence[str] | None = None,
    length: int | None = None,
    padding: str = "pre",
    vocab_size: int | None = None,
    input_name: str = "x",
) -> Dataset:
    """Read a token file (one sequence per line) into a :class:`Dataset` of padded ids.

    Blank lines are skipped; ``sequence_ids`` are the 1-based line numbers of the kept lines.

    Raises:
        DataError: see :func:`encode_token_lines`; also a missing file, or one that is not UTF-8 text.
    """
    file = Path(path)
    raw = read_text(path, "Token file").splitlines()
    numbered = [(number, line) for number, line in enumerate(raw, 1) if line.strip()]
    if not numbered:
        raise DataError(f"{file.name} holds no sequences (every line is blank).")
    numbers = np.array([number for number, _ in numbered])
    ids, mask = encode_token_lines(
        [line for _, line in numbered],
        vocab=vocab,
        length=length,
        padding=padding,
        vocab_size=vocab_size,
        source=file.name,
        line_numbers=numbers.tolist(),
    )
    return Dataset(
        inputs={input_name: ids},
        sequence_ids=numbers,
        mask=mask if not mask.all() else None,
        vocab=None if vocab is None else tuple(vocab),
        source=str(file),
    )


def _encode_line(line: str, number: int, lookup: dict[str, int] | None, source: str) -> np.ndarray:
    tokens = line.split()
    if lookup is None:
        try:
            return np.array([int(token) for token in tokens], dtype=np.int64)
        except ValueError:
            bad = next(t for t in tokens if not _is_int(t))
            raise DataError(
                f"Line {number} of {source} holds {bad!r}, which is not an integer id. Pass the "
                "vocabulary file (CLI --vocab) to read text tokens."
            ) from None
    oov = next((lookup[t] for t in OOV_TOKENS if t in lookup), None)
    ids = []
    for token in tokens:
        index = lookup.get(token, oov)
        if index is None:
            raise DataError(
                f"Unknown token {token!r} on line {number} of {source}: it is not in the vocabulary, "
                f"which has no out-of-vocabulary entry (one of {list(OOV_TOKENS)}). Add one to the "
                "vocabulary or remove the token."
            )
        ids.append(index)
    return np.array(ids, dtype=np.int64)


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True
