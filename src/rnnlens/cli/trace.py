"""``rnnlens trace MODEL DATA -o FILE``: hidden states, cell states and every gate, to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, custom_objects_option, user_errors
from rnnlens.cli._data import DATA_HELP, DataOptions, read_model_inputs, with_data_options
from rnnlens.cli._progress import stages, wrote
from rnnlens.cli._two_inputs import DECODER_DATA_HELP, read_encoder_decoder

_OUTPUTS = (".npz", ".h5", ".hdf5", ".parquet", ".csv")


@with_data_options
def trace(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    data: Path = typer.Argument(
        ..., help=DATA_HELP + " A .npy file is memory-mapped, so it can be larger than memory."
    ),
    out: Path = typer.Option(
        ...,
        "-o",
        "--out",
        help=".npz or .h5 (a trace for rnnlens.Trace.load; .h5 is streamed and memory-mappable), or "
        ".parquet / .csv (long table: sample, time, layer, direction, quantity, unit, value, mask).",
    ),
    layer: list[str] | None = typer.Option(
        None, "--layer", "-l", help="Recurrent layer to trace (repeatable); default all."
    ),
    quantity: list[str] | None = typer.Option(
        None,
        "--quantity",
        "-q",
        help="Quantity to keep besides `hidden` (repeatable), e.g. cell_state, forget_gate; default all.",
    ),
    memory_budget_mb: float = typer.Option(
        1024.0, "--memory-budget-mb", help="Memory bound; inputs are traced in chunks that fit it."
    ),
    batch_size: int | None = typer.Option(
        None, "--batch-size", help="Samples per chunk (default: from the memory budget)."
    ),
    decoder_data: Path | None = typer.Option(None, "--decoder-data", help=DECODER_DATA_HELP),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    custom_objects: Path | None = custom_objects_option(),
    data_options: DataOptions = DataOptions(),
) -> None:
    """Trace every recurrent layer of MODEL on DATA and write the result to OUT."""
    with user_errors():
        from rnnlens.loading import load_model
        from rnnlens.tracing import trace as run_trace
        from rnnlens.tracing import trace_to_file

        check_out(out, _OUTPUTS)
        suffix = out.suffix.lower()
        with stages(3) as stage:
            stage("Loading the model and data")
            keras_model = load_model(model, safe_mode=not unsafe, custom_objects=custom_objects)
            inputs = (
                read_encoder_decoder(data, decoder_data, keras_model, data_options).model_inputs(
                    keras_model
                )
                if decoder_data is not None
                else _read_inputs(data, keras_model, data_options)
            )
            options: dict[str, Any] = {
                "quantities": quantity or None,
                "batch_size": batch_size,
                "memory_budget_mb": memory_budget_mb,
            }
            first = inputs[0] if isinstance(inputs, list) else inputs
            # Not validated yet (tracing does that): a 0-d array has no samples to count.
            count = f"{len(first)} " if getattr(first, "ndim", 1) > 0 else ""
            stage(f"Tracing {count}sample(s) into {out.name}")
            if suffix in (".h5", ".hdf5"):
                trace_to_file(keras_model, inputs, out, layer or None, **options)
                from rnnlens.tracing import Trace

                result = Trace.load(out, mmap=True)
            else:
                result = run_trace(keras_model, inputs, layer or None, **options)
                stage(f"Writing {out.name}")
                if suffix == ".npz":
                    result.save(out)
                else:
                    _write_table(result, out, suffix)
        for item in result:
            gates = ", ".join(item.gate_names) if item.gate_names else "no gates (custom cell)"
            console.print(
                f"{item.key}: {item.cell_type}, {item.n_samples} x {item.n_timesteps} steps x "
                f"{item.units} units; {item.processing_order}; {gates}",
                markup=False,
                highlight=False,
            )
        console.print(wrote(out), markup=False, highlight=False)


def _write_table(result: Any, out: Path, suffix: str) -> None:
    from rnnlens._atomic import atomic_path

    frame = result.to_dataframe()
    with atomic_path(out) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)


def _read_inputs(path: Path, model: Any, options: DataOptions) -> Any:
    """DATA for the trace: a ``.npy`` stays memory-mapped (traced chunk by chunk, never read whole);
    every other format, and a ``.npy`` given table-only flags (refused there), goes through the shared
    reader."""
    if path.suffix.lower() == ".npy" and path.is_file() and not options.table_only:
        import numpy as np

        from rnnlens.errors import DataError

        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except Exception as exc:
            raise DataError(
                f"Could not read {path.name} as a NumPy array: {exc}. Save numeric arrays with np.save."
            ) from exc
    return read_model_inputs(path, model, options)
