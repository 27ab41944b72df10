"""``rnnlens predict MODEL DATA``: run the model and say what its outputs mean, row by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, user_errors
from rnnlens.cli._data import DATA_HELP, DataOptions, with_data_options


@with_data_options(old_table_spellings=True)
def predict(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    data: Path = typer.Argument(..., help=DATA_HELP),
    labels: Path | None = typer.Option(
        None, "--labels", help="Class names, one per line, in output-unit order."
    ),
    threshold: str = typer.Option(
        "0.5",
        "--threshold",
        help="Sigmoid outputs: a number in [0, 1], or `f1` / `youden` to choose it on --validation.",
    ),
    validation: Path | None = typer.Option(
        None, "--validation", help="Labelled data (an .npz with `y`) to choose the threshold on."
    ),
    top_k: int = typer.Option(3, "--top-k", help="Softmax outputs: classes listed per row."),
    output_name: str | None = typer.Option(
        None,
        "--model-output",
        help="Which model output to decode (name or index); default the first.",
    ),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Write the table to .csv, .json or .parquet (atomically)."
    ),
    scaler: str | None = typer.Option(
        None,
        "--scaler",
        help='Regression: `MEAN,STD` of the target, or a JSON file {"mean": ..., "std": ...}.',
    ),
    target_offset: int = typer.Option(
        0,
        "--target-offset",
        help="Regression: steps between an output step and the step it estimates.",
    ),
    start_token: str | None = typer.Option(
        None, "--start-token", help="Encoder-decoder generation: start token (text or id)."
    ),
    end_token: str | None = typer.Option(
        None, "--end-token", help="Encoder-decoder generation: end token (text or id)."
    ),
    max_length: int | None = typer.Option(
        None, "--max-length", help="Encoder-decoder generation: tokens to generate at most."
    ),
    rows: int = typer.Option(20, "--rows", help="Rows to print when no --out file is given."),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    data_options: DataOptions = DataOptions(),
) -> None:
    """Decode MODEL's predictions on DATA: labels and probabilities, top-k classes, values in target
    units, or generated tokens; one row per sample (or per sample and step)."""
    with user_errors():
        from rnnlens.data import load_data
        from rnnlens.decoding import GenerationOptions, RegressionOptions, decode
        from rnnlens.decoding.interpretation import SAVE_SUFFIXES
        from rnnlens.errors import DataError, OptionError
        from rnnlens.loading import load_model

        check_out(out, SAVE_SUFFIXES)
        if rows < 0:
            raise OptionError(
                f"--rows must be 0 or more (rows printed when no --out file is given), received {rows}."
            )
        keras_model = load_model(model, safe_mode=not unsafe)
        read: dict[str, Any] = data_options.load_kwargs()
        dataset = load_data(data, keras_model, labels=labels, **read)
        cut: Any = _threshold(threshold, OptionError)
        val = None
        if validation is not None:
            val_data = load_data(validation, keras_model, **read)
            if val_data.targets is None:
                raise DataError(
                    f"--validation {validation.name} holds no ground truth: store it as `y` (or numeric "
                    "`labels`) in an .npz."
                )
            val = (val_data, val_data.targets)
        result = decode(
            keras_model,
            dataset,
            output=_output_key(output_name),
            threshold=cut,
            validation=val,
            top_k=top_k,
            # Given explicitly, so a --labels file for a regression output is refused, not ignored.
            labels=dataset.labels if labels is not None else None,
            regression=(
                RegressionOptions(scaler=_scaler(scaler), target_offset=target_offset)
                if scaler is not None or target_offset
                else None
            ),
            generation=GenerationOptions(
                start_token=start_token, end_token=end_token, max_length=max_length
            ),
        )
        if out is not None:
            path = result.save(out)
            console.print(
                f"Wrote {len(result.table)} row(s) of {result.kind} predictions for output "
                f"{result.output!r} to {path}.",
                markup=False,
                highlight=False,
            )
            return
        _print(result, rows)


def _output_key(text: str | None) -> int | str | None:
    if text is None:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _threshold(text: str, error: type[Exception]) -> Any:
    if text.lower() in ("f1", "youden"):
        return text.lower()
    try:
        return float(text)
    except ValueError:
        raise error(
            f"--threshold must be a number in [0, 1] or `f1` / `youden`, received {text!r}."
        ) from None


def _scaler(text: str | None) -> Any:
    """``MEAN,STD`` or a .json file; a file that is missing or not JSON is bad data (``DataError``),
    text that is neither is a bad option value (``OptionError``)."""
    from rnnlens.errors import DataError, OptionError

    if text is None:
        return None
    if text.lower().endswith(".json"):
        import json

        file = Path(text)
        if not file.is_file():
            raise DataError(f"--scaler file {text!r} does not exist.")
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(f"--scaler file {file.name} is not valid JSON: {exc}") from exc
    parts = text.split(",")
    try:
        mean, std = (float(p) for p in parts)
    except ValueError:
        raise OptionError(
            f"--scaler must be `MEAN,STD` (two numbers) or a .json file, received {text!r}."
        ) from None
    return (mean, std)


def _print(result: Any, rows: int) -> None:
    from rich.table import Table

    frame = result.summary if result.summary is not None else result.table
    table = Table(
        title=f"{result.kind} predictions of {result.output} ({len(result.table)} row(s))",
        show_lines=False,
    )
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for record in frame.head(rows).itertuples(index=False):
        table.add_row(*(_cell(v) for v in record))
    console.print(table)
    for note in result.meta.get("notes", []):
        console.print(f"Note: {note}", markup=False, highlight=False)
    if len(frame) > rows:
        console.print(f"... {len(frame) - rows} more row(s); use -o FILE for all of them.")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
