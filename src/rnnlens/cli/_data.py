"""DATA arguments shared by the CLI commands: every format rnnlens.data reads, one help text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

DATA_HELP = (
    "Inputs: .npy; .npz with `x` (or one array per model input name) and optional `feature_names`, "
    "`labels`, `y`, `vocab`, `timestamps`; a long .csv/.parquet table (id, time, feature columns), "
    "windowed to the model's length; or a .txt token file (one sequence per line, with --vocab)."
)

VOCAB_OPTION = typer.Option(
    None, "--vocab", help="Vocabulary, one token per line; line number (from 0) = token id."
)
ID_COLUMN_OPTION = typer.Option(
    None, "--id-column", help="Long tables: the sequence id column (default: the first column)."
)
TIME_COLUMN_OPTION = typer.Option(
    None, "--time-column", help="Long tables: the time column (default: the second column)."
)


def read_dataset(
    path: Path,
    model: Any,
    *,
    vocab: Path | None = None,
    id_column: str | None = None,
    time_column: str | None = None,
) -> Any:
    """Read DATA for ``model`` as a :class:`rnnlens.data.Dataset`, keeping its feature names, sequence ids,
    timestamps and vocabulary (commands whose results carry those labels use this)."""
    from rnnlens.data import load_data

    return load_data(path, model, vocab=vocab, id_column=id_column, time_column=time_column)


def read_model_inputs(
    path: Path,
    model: Any,
    *,
    vocab: Path | None = None,
    id_column: str | None = None,
    time_column: str | None = None,
) -> Any:
    """Read DATA for ``model`` with :func:`rnnlens.data.load_data`; one array, or a list per input."""
    from rnnlens.data import load_data

    dataset = load_data(path, model, vocab=vocab, id_column=id_column, time_column=time_column)
    arrays = dataset.model_inputs(model)
    return arrays[0] if len(arrays) == 1 else arrays
