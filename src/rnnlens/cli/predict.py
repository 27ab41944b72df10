"""``rnnlens predict MODEL DATA``: run the model and say what its outputs mean, row by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, custom_objects_option, user_errors
from rnnlens.cli._data import DATA_HELP, DataOptions, with_data_options
from rnnlens.cli._decode_flags import (
    SCALER_HELP,
    TARGET_OFFSET_HELP,
    THRESHOLD_HELP,
    parse_scaler,
    parse_threshold,
    read_validation,
)
from rnnlens.cli._progress import stages, wrote
from rnnlens.cli._two_inputs import DECODER_DATA_HELP, read_encoder_decoder

# Spellings kept for code that imported them from here.
_scaler = parse_scaler
_threshold = parse_threshold


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
        help=THRESHOLD_HELP,
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
        help=SCALER_HELP,
    ),
    target_offset: int = typer.Option(
        0,
        "--target-offset",
        help=TARGET_OFFSET_HELP,
    ),
    decoder_data: Path | None = typer.Option(None, "--decoder-data", help=DECODER_DATA_HELP),
    generate: bool | None = typer.Option(
        None,
        "--generate/--no-generate",
        help="Encoder-decoder models: --generate decodes greedily from the encoder input alone (the "
        "model's own tokens feed the decoder; decoder inputs in DATA are not read); --no-generate reads "
        "the decoder inputs given (teacher forcing). Default: generate when no decoder input is given.",
        show_default=False,
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
    custom_objects: Path | None = custom_objects_option(),
    data_options: DataOptions = DataOptions(),
) -> None:
    """Decode MODEL's predictions on DATA: labels and probabilities, top-k classes, values in target
    units, or generated tokens; one row per sample (or per sample and step)."""
    with user_errors():
        from rnnlens.data import load_data
        from rnnlens.decoding import GenerationOptions, RegressionOptions, decode
        from rnnlens.decoding.interpretation import SAVE_SUFFIXES
        from rnnlens.errors import OptionError
        from rnnlens.loading import load_model

        check_out(out, SAVE_SUFFIXES)
        if rows < 0:
            raise OptionError(
                f"--rows must be 0 or more (rows printed when no --out file is given), received {rows}."
            )
        generation = GenerationOptions(
            start_token=start_token, end_token=end_token, max_length=max_length
        )
        with stages(3) as stage:
            stage("Loading the model and data")
            keras_model = load_model(model, safe_mode=not unsafe, custom_objects=custom_objects)
            if decoder_data is not None:
                dataset = read_encoder_decoder(
                    data, decoder_data, keras_model, data_options, labels
                )
            else:
                dataset = load_data(data, keras_model, labels=labels, **data_options.load_kwargs())
            cut: Any = parse_threshold(threshold)
            val = (
                read_validation(validation, keras_model, data_options)
                if validation is not None
                else None
            )
            mode = generation_mode(keras_model, dataset, generate, generation)
            stage(
                f"Generating from {dataset.n_samples} sample(s)"
                if mode == "generated"
                else f"Predicting {dataset.n_samples} sample(s)"
            )
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
                    RegressionOptions(scaler=parse_scaler(scaler), target_offset=target_offset)
                    if scaler is not None or target_offset
                    else None
                ),
                generate=generate,
                generation=generation,
            )
            if out is not None:
                stage(f"Writing {out.name}")
                path = result.save(out)
        if mode == "generated" and generate is None:
            console.print(
                "Note: DATA holds no decoder input, so the tokens are generated greedily from the "
                "encoder input (--generate says so explicitly; give the decoder inputs, e.g. "
                "--decoder-data FILE, to read them teacher-forced).",
                markup=False,
                highlight=False,
            )
        if out is not None:
            what = f"{len(result.table)} row(s) of {result.kind} predictions for output {result.output!r}"
            console.print(wrote(path, what), markup=False, highlight=False)
            return
        _print(result, rows)


def generation_mode(model: Any, dataset: Any, generate: bool | None, options: Any) -> str:
    """How ``predict`` reads an encoder-decoder: ``"generated"`` (greedy) or ``"teacher-forced"``;
    ``"direct"`` for other models. Generation flags that would be ignored are refused here, named as
    typed.

    Raises:
        OptionError: ``--generate`` for a model without a decoder input; generation flags with
            ``--no-generate`` or with decoder inputs given (teacher forcing generates nothing).
    """
    from rnnlens.errors import OptionError
    from rnnlens.model_inputs import decoder_input

    decoder = decoder_input(model)
    flags = [
        flag
        for flag, value in (
            ("--start-token", options.start_token),
            ("--end-token", options.end_token),
            ("--max-length", options.max_length),
        )
        if value is not None
    ]
    if decoder is None:
        if generate:
            raise OptionError(
                "--generate needs an encoder-decoder model (an encoder input and a decoder input); "
                "this model has no decoder input. Leave --generate out."
            )
        return "direct"
    generating = decoder.name not in dataset.inputs if generate is None else generate
    if not generating and flags:
        why = "--no-generate is given" if generate is False else "DATA holds the decoder inputs"
        raise OptionError(
            f"{', '.join(flags)} appl{'ies' if len(flags) == 1 else 'y'} to greedy generation, but "
            f"{why}, so predict reads the decoder inputs teacher-forced and generates nothing. Add "
            f"--generate to generate from the encoder input, or leave {', '.join(flags)} out."
        )
    return "generated" if generating else "teacher-forced"


def _output_key(text: str | None) -> int | str | None:
    if text is None:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


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
