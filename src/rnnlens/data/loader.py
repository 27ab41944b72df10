"""``load_data``: one entry point for every file format rnnlens reads."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.data._model_inputs import InputShape, input_shapes
from rnnlens.data.arrays import read_npy, read_npz
from rnnlens.data.dataset import Dataset
from rnnlens.data.files import read_text, regular_file
from rnnlens.data.tables import read_table, table_to_dataset
from rnnlens.data.tokens import check_vocab, check_vocab_fits, read_token_file, read_vocab
from rnnlens.errors import DataError, OptionError, ShapeError

__all__ = ["SUFFIXES", "check_labels", "load_data", "read_labels"]

SUFFIXES = {
    ".npy": "array",
    ".npz": "archive",
    ".csv": "table",
    ".tsv": "table",
    ".parquet": "table",
    ".pq": "table",
    ".txt": "tokens",
    ".tok": "tokens",
}


def load_data(
    path: str | os.PathLike[str],
    model: Any = None,
    *,
    id_column: str | None = None,
    time_column: str | None = None,
    feature_names: Sequence[str] | None = None,
    window: int | None = None,
    stride: int = 1,
    padding: str | None = None,
    pad_value: float = 0.0,
    vocab: str | os.PathLike[str] | Sequence[str] | None = None,
    labels: str | os.PathLike[str] | Sequence[str] | None = None,
) -> Dataset:
    """Read model inputs and their metadata from a file, shaped for ``model`` when one is given.

    Formats, by suffix:

    * ``.npy``: one array, the inputs of a single-input model.
    * ``.npz``: the inputs as ``x`` (or one array per model input, keyed by input name), plus optional
      ``feature_names``, ``labels`` (class names; numeric ``labels`` are read as ground truth), ``y``
      (ground truth), ``vocab``, ``timestamps`` ``(batch, time)``, ``sequence_ids`` and ``mask``.
    * ``.csv`` / ``.tsv`` / ``.parquet``: a long table, one row per (sequence, time step): a sequence id
      column (default: the first), a time column (numbers or ISO dates; default: the second) and feature
      columns (default: all others, in table order; the names are kept). Each sequence is sorted by time
      and cut into windows of the model's input length, ``stride`` steps apart.
    * ``.txt`` / ``.tok``: a token file for Embedding models, one whitespace-separated sequence per line,
      read through ``vocab`` (line number = token id; see :mod:`rnnlens.data.tokens`).

    Args:
        path: the data file.
        model: a ``keras.Model`` or model path; gives the window length, feature count, input names and
            vocabulary size, and the inputs present are validated against it.
        id_column: long tables: the sequence id column.
        time_column: long tables: the time column.
        feature_names: long tables: the feature columns to use, in the model's order.
        window: long tables: steps per sample (default: the model's input length, else the longest sequence).
        stride: long tables: steps between window starts.
        padding: ``"none"``, ``"pre"`` or ``"post"``; default ``"none"`` for tables (short sequences are
            an error) and ``"pre"`` for token files (as ``keras.utils.pad_sequences``).
        pad_value: long tables: the value of padded steps (token files pad with id 0).
        vocab: a vocabulary file or list of tokens (overrides an ``.npz`` ``vocab``).
        labels: a class-name file (one per line) or list (overrides an ``.npz`` ``labels``).

    Returns:
        A :class:`~rnnlens.data.Dataset`.

    Raises:
        DataError: unreadable, empty, damaged or non-regular files (a directory, a FIFO), text that is not
            UTF-8, missing or non-numeric columns, unknown tokens, short sequences, complex / long-double /
            non-numeric arrays, a vocabulary larger than the model's Embedding.
        ShapeError: data that does not fit the model (feature count, window, input names), scalars, and
            0 samples or 0 time steps (with or without a model).

    Example:
        >>> rows = [f"{unit},{cycle},{cycle / 10},{unit}" for unit in (1, 2) for cycle in range(8)]
        >>> _ = (folder / "sensors.csv").write_text("\\n".join(["unit,cycle,temp,rpm", *rows]))
        >>> data = load_data(folder / "sensors.csv", model, id_column="unit", time_column="cycle")
        >>> data.inputs["x"].shape, data.feature_names  # 3 windows of 6 steps per unit
        ((6, 6, 2), ('temp', 'rpm'))
    """
    if not isinstance(path, str | os.PathLike):
        raise DataError(
            f"Argument `path` must be a data file path (str or pathlib.Path), received "
            f"{type(path).__name__} {path!r}. To explain arrays already in memory, pass them directly."
        )
    file = Path(path)
    kind = SUFFIXES.get(file.suffix.lower())
    if kind is None:
        raise DataError(
            f"Cannot read {file.name!r}: expected a file ending in {sorted(SUFFIXES)}, "
            f"received {file.suffix or 'no suffix'!r}."
        )
    regular_file(file, "Data file")
    if padding is not None:
        _padding(padding, "none")
        if kind not in ("table", "tokens"):
            raise OptionError(
                f"`padding` (CLI --padding) only applies to long tables and token files, but "
                f"{file.name} holds arrays of a fixed length. Leave it out."
            )
    if kind != "table":
        _refuse_table_options(
            file.name,
            id_column=id_column,
            time_column=time_column,
            window=window,
            stride=None if stride == 1 else stride,
            pad_value=None if pad_value == 0.0 else pad_value,
        )
    keras_model = None
    if model is not None:
        from rnnlens.loading import ensure_model

        keras_model = ensure_model(model)
    shapes = input_shapes(keras_model) if keras_model is not None else None
    vocab_tokens = _read_names(vocab, read_vocab, "vocab")
    label_names = _read_names(labels, read_labels, "labels")
    if vocab_tokens is not None:
        _check_vocab_size(vocab_tokens, shapes, "argument `vocab`")
    if kind == "array":
        dataset = read_npy(file, input_name=_single_name(shapes))
    elif kind == "archive":
        dataset = read_npz(file, input_names=None if shapes is None else [s.name for s in shapes])
    elif kind == "table":
        target = _table_input(shapes, file.name)
        if target is not None and window is not None and target.timesteps not in (None, window):
            raise ShapeError(
                f"Argument `window` is {window} but the model's input {target.name!r} takes exactly "
                f"{target.timesteps} steps. Leave `window` unset to use the model's length."
            )
        dataset = table_to_dataset(
            read_table(file),
            id_column=id_column,
            time_column=time_column,
            feature_names=feature_names,
            window=window if window is not None else (target.timesteps if target else None),
            stride=stride,
            padding=_padding(padding, "none"),  # type: ignore[arg-type]
            pad_value=pad_value,
            expected_features=target.features if target else None,
            input_name=target.name if target else "x",
            source=file.name,
            line_offset=2 if file.suffix.lower() in (".csv", ".tsv") else None,
        )
    else:
        target = _token_input(shapes, file.name)
        dataset = read_token_file(
            file,
            vocab=vocab_tokens,
            length=target.timesteps if target else None,
            padding=_padding(padding, "pre"),
            vocab_size=target.vocab_size if target else None,
            input_name=target.name if target else "x",
        )
    changes: dict[str, Any] = {}
    if vocab_tokens is not None:
        changes["vocab"] = vocab_tokens
    elif dataset.vocab is not None:
        _check_vocab_size(dataset.vocab, shapes, f"{file.name}: vocab")
    if label_names is not None:
        changes["labels"] = label_names
    if kind != "table" and feature_names is not None:
        changes["feature_names"] = _check_feature_names(dataset, feature_names)
    if keras_model is not None and shapes is not None:
        changes["inputs"] = _validated(dataset, keras_model, shapes)
    else:
        changes["inputs"] = _checked_without_model(dataset)
    return dataset.with_fields(**changes)


def read_labels(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """Read class names, one per line, in the order of the model's output units.

    Raises:
        DataError: missing, non-regular or non-UTF-8 file, no names, a blank or repeated name.
    """
    lines = read_text(path, "Labels file").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return check_labels([line.strip() for line in lines], source=Path(path).name)


def check_labels(names: Sequence[str], *, source: str) -> tuple[str, ...]:
    """Class names as a tuple, refusing an empty list and blank or repeated names."""
    names = tuple(names)
    if not names:
        raise DataError(f"{source} holds no class names: expected one name per line.")
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            raise DataError(f"{source}: line {index + 1} is blank; every class needs a name.")
        if name in first:
            raise DataError(
                f"{source}: class name {name!r} appears twice (lines {first[name] + 1} and "
                f"{index + 1})."
            )
        first[name] = index
    return names


def _read_names(value: Any, reader: Any, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | os.PathLike):
        return tuple(reader(value))
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        raise OptionError(
            f"Argument `{what}` must be a file path or a list of strings, received "
            f"{type(value).__name__} {value!r}."
        )
    names = tuple(str(item) for item in value)
    if what == "vocab":
        return check_vocab(names, source=f"argument `{what}`")
    return check_labels(names, source=f"argument `{what}`")


def _check_vocab_size(vocab: tuple[str, ...], shapes: list[InputShape] | None, source: str) -> None:
    """A vocabulary must fit an Embedding of the model; with several, it must fit the largest."""
    sizes = [s.vocab_size for s in shapes or [] if s.tokens and s.vocab_size is not None]
    if sizes:
        check_vocab_fits(vocab, max(sizes), source=source)


def _checked_without_model(dataset: Dataset) -> dict[str, np.ndarray]:
    """Without a model, each array must still be a numeric (batch, time, ...) array with no empty axis."""
    from rnnlens.validation import check_not_empty, to_numeric_array

    checked = {}
    for name, value in dataset.inputs.items():
        array = to_numeric_array(value, name)
        if array.ndim < 2:
            raise ShapeError(
                f"Input {name!r} has shape {array.shape}; expected at least (batch, time): "
                "(batch, time, features) for features or (batch, time) for token ids."
            )
        check_not_empty(array, name)
        checked[name] = array
    return checked


def _padding(padding: str | None, default: str) -> str:
    value = default if padding is None else padding
    if value not in ("none", "pre", "post"):
        raise OptionError(
            f"Argument `padding` must be 'none', 'pre' or 'post', received {padding!r}."
        )
    return value


# The CLI spells the table options apart from the occlusion window (`predict --table-window`).
_CLI_FLAGS = {"window": "--table-window", "stride": "--table-stride"}


def _refuse_table_options(source: str, **options: Any) -> None:
    """Options that only shape long tables are an error for other files, not silently ignored."""
    given = [name for name, value in options.items() if value is not None]
    if given:
        flags = ", ".join(
            f"`{name}` (CLI {_CLI_FLAGS.get(name, '--' + name.replace('_', '-'))})"
            for name in given
        )
        raise OptionError(
            f"{flags} only appl{'ies' if len(given) == 1 else 'y'} to long tables (.csv / .parquet), "
            f"but {source} is not a table. Leave {'it' if len(given) == 1 else 'them'} out."
        )


def _single_name(shapes: list[InputShape] | None) -> str:
    if shapes is None:
        return "x"
    if len(shapes) != 1:
        names = [s.name for s in shapes]
        raise ShapeError(
            f"A .npy file holds one array but the model has {len(shapes)} inputs {names}. Save them "
            "together in an .npz, one array per input name."
        )
    return shapes[0].name


def _table_input(shapes: list[InputShape] | None, source: str) -> InputShape | None:
    if shapes is None:
        return None
    features = [s for s in shapes if not s.tokens]
    if len(shapes) != 1 or not features:
        names = [s.name for s in shapes]
        raise ShapeError(
            f"A long table ({source}) feeds one feature input (batch, time, features), but the model's "
            f"inputs are {names}{' (token ids)' if not features else ''}. Use an .npz with one array per "
            "input" + (", or a token file with a vocabulary." if not features else ".")
        )
    return features[0]


def _token_input(shapes: list[InputShape] | None, source: str) -> InputShape | None:
    if shapes is None:
        return None
    tokens = [s for s in shapes if s.tokens]
    if not tokens:
        raise DataError(
            f"A token file ({source}) feeds an Embedding, but the model's input(s) "
            f"{[s.name for s in shapes]} take feature vectors. Use a table or an .npy / .npz file."
        )
    return tokens[0]


def _check_feature_names(dataset: Dataset, names: Sequence[str]) -> tuple[str, ...]:
    first = next(iter(dataset.inputs.values()))
    if first.ndim < 3 or first.shape[-1] != len(names):
        raise ShapeError(
            f"Argument `feature_names` has {len(names)} names but the input has shape {first.shape}; "
            "expected one name per feature (the last axis)."
        )
    return tuple(str(name) for name in names)


def _validated(dataset: Dataset, model: Any, shapes: list[InputShape]) -> dict[str, np.ndarray]:
    """Check each array present against its model input; an encoder-decoder may omit the decoder input."""
    from rnnlens.validation import check_array

    by_name = {spec.name: spec for spec in shapes}
    arrays = dict(dataset.inputs)
    if len(arrays) == 1 and "x" in arrays and len(shapes) == 1:
        arrays = {shapes[0].name: arrays["x"]}
    unknown = [name for name in arrays if name not in by_name]
    if unknown:
        raise ShapeError(
            f"The data holds array(s) {unknown} that match no model input; the model's inputs are "
            f"{list(by_name)}."
        )
    checked = {}
    for spec in shapes:
        if spec.name in arrays:
            checked[spec.name] = check_array(
                arrays[spec.name],
                by_name[spec.name].shape,
                name=spec.name,
                integer=spec.tokens,
                vocab_size=spec.vocab_size,
            )
    return checked
