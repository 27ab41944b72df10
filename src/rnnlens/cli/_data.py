"""DATA arguments shared by the CLI commands: every format rnnlens.data reads, one help text, one set of
data-reading flags (``--vocab``, ``--id-column``, ``--time-column``, ``--features``, ``--table-window``,
``--table-stride``, ``--padding``) added to each command that reads DATA."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import typer

from rnnlens.cli._flags import Flag, FlagValue, add_flags

__all__ = [
    "DATA_FLAGS",
    "DATA_HELP",
    "DataOptions",
    "read_dataset",
    "read_model_inputs",
    "with_data_options",
]

DATA_HELP = (
    "Inputs: .npy; .npz with `x` (or one array per model input name) and optional `feature_names`, "
    "`labels`, `y`, `vocab`, `timestamps`; a long .csv/.parquet table (id, time, feature columns), "
    "windowed to the model's length; or a .txt token file (one sequence per line, with --vocab)."
)

DATA_FLAGS: tuple[Flag, ...] = (
    Flag(
        "--vocab",
        Optional[Path],  # noqa: UP045 (typer reads typing.Optional)
        None,
        "Vocabulary, one token per line; line number (from 0) = token id.",
    ),
    Flag(
        "--id-column",
        Optional[str],  # noqa: UP045
        None,
        "Long tables: the sequence id column (default: the first column).",
    ),
    Flag(
        "--time-column",
        Optional[str],  # noqa: UP045
        None,
        "Long tables: the time column (default: the second column).",
    ),
    Flag(
        "--features",
        Optional[str],  # noqa: UP045
        None,
        "Long tables: comma-separated feature columns, in model order.",
    ),
    Flag(
        "--table-window",
        Optional[int],  # noqa: UP045
        None,
        "Long tables: steps per window (default: the model's input length).",
    ),
    Flag("--table-stride", int, 1, "Long tables: steps between window starts."),
    Flag(
        "--padding",
        Optional[str],  # noqa: UP045
        None,
        "none | pre | post. Default: none for tables (short sequences are an error), pre for tokens.",
    ),
)

# `predict` spelled the table flags --window / --stride before they clashed with occlusion's.
_OLD_TABLE_SPELLINGS = {"--table-window": ("--window",), "--table-stride": ("--stride",)}


@dataclass(frozen=True)
class DataOptions:
    """How to read DATA: the values of :data:`DATA_FLAGS`."""

    vocab: Path | None = None
    id_column: str | None = None
    time_column: str | None = None
    features: tuple[str, ...] | None = None
    window: int | None = None
    stride: int = 1
    padding: str | None = None

    @classmethod
    def from_flags(cls, values: dict[str, FlagValue]) -> DataOptions:
        features = values["--features"].value
        return cls(
            vocab=values["--vocab"].value,
            id_column=values["--id-column"].value,
            time_column=values["--time-column"].value,
            features=None
            if features is None
            else tuple(part.strip() for part in features.split(",") if part.strip()),
            window=values["--table-window"].value,
            stride=values["--table-stride"].value,
            padding=values["--padding"].value,
        )

    @property
    def table_only(self) -> bool:
        """Whether an option that only long tables take was given."""
        return (
            self.id_column is not None
            or self.time_column is not None
            or self.features is not None
            or self.window is not None
            or self.stride != 1
        )

    def load_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`rnnlens.data.load_data`."""
        return {
            "vocab": self.vocab,
            "id_column": self.id_column,
            "time_column": self.time_column,
            "feature_names": None if self.features is None else list(self.features),
            "window": self.window,
            "stride": self.stride,
            "padding": self.padding,
        }


def with_data_options(
    command: Callable[..., Any] | None = None, *, old_table_spellings: bool = False
) -> Any:
    """Add :data:`DATA_FLAGS` to ``command``, which receives them as ``data_options: DataOptions``.

    ``old_table_spellings``: also accept ``--window`` / ``--stride`` for the table flags (deprecated).
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        flags = DATA_FLAGS
        if old_table_spellings:
            flags = tuple(
                Flag(
                    f.flag, f.type, f.default, f.help, f.short, _OLD_TABLE_SPELLINGS.get(f.flag, ())
                )
                for f in DATA_FLAGS
            )
        return add_flags(function, flags, "data_options", DataOptions.from_flags)

    return decorate if command is None else decorate(command)


def read_dataset(
    path: Path,
    model: Any,
    options: DataOptions | None = None,
    *,
    labels: Path | None = None,
    **legacy: Any,
) -> Any:
    """Read DATA for ``model`` as a :class:`rnnlens.data.Dataset`, keeping its feature names, sequence ids,
    timestamps and vocabulary (commands whose results carry those labels use this)."""
    from rnnlens.data import load_data

    kwargs = (options or DataOptions(**legacy)).load_kwargs()
    return load_data(path, model, labels=labels, **kwargs)


def read_model_inputs(
    path: Path, model: Any, options: DataOptions | None = None, **legacy: Any
) -> Any:
    """Read DATA for ``model`` with :func:`rnnlens.data.load_data`; one array, or a list per input."""
    dataset = read_dataset(path, model, options, **legacy)
    arrays = dataset.model_inputs(model)
    return arrays[0] if len(arrays) == 1 else arrays


# Kept for commands outside this package that still declare the flags one by one.
VOCAB_OPTION = typer.Option(None, "--vocab", help=DATA_FLAGS[0].help)
ID_COLUMN_OPTION = typer.Option(None, "--id-column", help=DATA_FLAGS[1].help)
TIME_COLUMN_OPTION = typer.Option(None, "--time-column", help=DATA_FLAGS[2].help)
