"""``rnnlens trace MODEL DATA -o FILE``: hidden states, cell states and every gate, to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import console, user_errors

_OUTPUTS = (".npz", ".h5", ".hdf5", ".parquet", ".csv")


def trace(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    data: Path = typer.Argument(
        ...,
        help="Inputs: a .npy array, or a .npz with array `x` or one array per model input name.",
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
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
) -> None:
    """Trace every recurrent layer of MODEL on DATA and write the result to OUT."""
    with user_errors():
        from rnnlens.errors import DataError
        from rnnlens.loading import load_model
        from rnnlens.tracing import trace as run_trace
        from rnnlens.tracing import trace_to_file

        suffix = out.suffix.lower()
        if suffix not in _OUTPUTS:
            raise DataError(
                f"Option --out must end in {', '.join(_OUTPUTS)}, received {str(out)!r}."
            )
        keras_model = load_model(model, safe_mode=not unsafe)
        inputs = _read_inputs(data, keras_model)
        options: dict[str, Any] = {
            "quantities": quantity or None,
            "batch_size": batch_size,
            "memory_budget_mb": memory_budget_mb,
        }
        if suffix in (".h5", ".hdf5"):
            trace_to_file(keras_model, inputs, out, layer or None, **options)
            from rnnlens.tracing import Trace

            result = Trace.load(out, mmap=True)
        else:
            result = run_trace(keras_model, inputs, layer or None, **options)
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
        console.print(f"Wrote {out}", markup=False, highlight=False)


def _write_table(result: Any, out: Path, suffix: str) -> None:
    from rnnlens._atomic import atomic_path

    frame = result.to_dataframe()
    with atomic_path(out) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)


def _read_inputs(path: Path, model: Any) -> Any:
    """Read .npy / .npz inputs (a stop-gap until the shared data reader lands in rnnlens.data)."""
    import numpy as np

    from rnnlens.errors import DataError

    if not path.is_file():
        raise DataError(f"Data file {str(path)!r} does not exist.")
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise DataError(
            f"Data file {str(path)!r} must be .npy or .npz (array `x`, or one array per model input)."
        )
    try:
        if suffix == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as exc:
        raise DataError(
            f"Could not read {path.name}: {exc}. Save numeric arrays (no Python objects) with np.save."
        ) from exc
    except Exception as exc:
        raise DataError(f"Could not read {path.name} as a NumPy file: {exc}") from exc
    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    if all(name in arrays for name in names):
        return {name: arrays[name] for name in names}
    if "x" in arrays and len(names) == 1:
        return arrays["x"]
    raise DataError(
        f"{path.name} holds arrays {sorted(arrays)}; expected `x` or one array per model input {names}."
    )
