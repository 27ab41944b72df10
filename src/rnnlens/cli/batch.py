"""``rnnlens batch MODEL DATA -o OUT``: explain a fleet of sequences into a Parquet dataset, resumably."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import console, user_errors
from rnnlens.cli._targets import TARGET_HELP, parse_target, with_cli_hint

DATA_HELP = (
    "The fleet: .npy (sequences, time, features) or token ids, .npz with `x` (and optional "
    "`sequence_ids`, `feature_names`), a Parquet long table (id, time, feature columns; one output row "
    "per id, the model sees its last steps), or a folder of Parquet shards."
)


def batch(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file (single input)."),
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Output folder: a Parquet dataset (part-*.parquet), _manifest.json and _summary.json.",
    ),
    engine: str = typer.Option("local", "--engine", help="local (processes here) or ray."),
    tasks: str = typer.Option(
        "predict,attribute",
        "--tasks",
        help="Comma-separated: predict, attribute, trace-summary.",
    ),
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        help="Attribution method. Default: the recommended method with --background, else "
        "integrated_gradients.",
    ),
    background: Path | None = typer.Option(
        None, "--background", help="Reference sequences (any DATA file) for the baselines."
    ),
    target: str = typer.Option("", "--target", "-t", help=TARGET_HELP),
    output: str = typer.Option("0", "--model-output", help="Which model output: index or name."),
    steps: int | None = typer.Option(
        None, "--steps", help="Integrated / expected gradients: quadrature points."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of sampled methods (chunk i uses seed + i)."),
    top: int = typer.Option(5, "--top", help="Top contributions kept per sequence."),
    faithfulness: bool = typer.Option(
        True,
        "--faithfulness/--no-faithfulness",
        help="Score each sequence's ranking against random deletion orders.",
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Processes (local) or actors (ray). Default: the number of cores."
    ),
    chunk_size: int = typer.Option(256, "--chunk-size", help="Sequences per chunk and part file."),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="An existing Ray cluster (default: start a local one)."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the results of a different run in OUT."
    ),
    id_column: str | None = typer.Option(
        None, "--id-column", help="Long tables: the sequence id column (default: the first)."
    ),
    time_column: str | None = typer.Option(
        None, "--time-column", help="Long tables: the time column (default: the second)."
    ),
    features: str | None = typer.Option(
        None, "--features", help="Long tables: comma-separated feature columns, in model order."
    ),
    window: int | None = typer.Option(
        None,
        "--table-window",
        help="Long tables: steps fed to the model, the last of each sequence (default: the "
        "model's input length).",
    ),
    padding: str | None = typer.Option(
        None,
        "--padding",
        help="Long tables: none | pre | post for sequences shorter than the window.",
    ),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
) -> None:
    """Predict and explain every sequence of DATA; one Parquet row per sequence, resumable after a crash."""
    with user_errors():
        from rnnlens.fleet import batch as run_batch

        parsed_target = None
        if target.strip() or output != "0":
            parsed_target = parse_target(target, output)
        with _progress() as (on_start, on_progress):
            try:
                summary = run_batch(
                    model,
                    data,
                    out,
                    engine=engine,
                    tasks=tasks,
                    method=method,
                    background=background,
                    target=parsed_target,
                    n_steps=steps,
                    seed=seed,
                    top_k=top,
                    faithfulness=faithfulness,
                    workers=workers,
                    chunk_size=chunk_size,
                    ray_address=ray_address,
                    safe_mode=not unsafe,
                    overwrite=overwrite,
                    id_column=id_column,
                    time_column=time_column,
                    feature_columns=None
                    if features is None
                    else [part.strip() for part in features.split(",") if part.strip()],
                    window=window,
                    padding=padding,
                    on_start=on_start,
                    on_progress=on_progress,
                )
            except Exception as exc:
                from rnnlens.errors import TargetError

                if isinstance(exc, TargetError):
                    raise with_cli_hint(exc) from None
                raise
        for line in summary_lines(summary, out):
            console.print(line, markup=False, highlight=False, soft_wrap=True)


def summary_lines(summary: Any, out: Path, *, top: int = 5) -> list[str]:
    """What a finished run prints: where the rows are, the top features, predictions, worst rows."""
    lines = [
        f"Wrote {summary.n_sequences} rows to {out} (Parquet dataset; summary in "
        f"{out / '_summary.json'})"
    ]
    if summary.importance_per_feature:
        lines.append("Fleet importance (mean |attribution| per feature, 95% CI):")
        for row in summary.importance_per_feature[:top]:
            lines.append(
                f"  {row['feature']}: {row['mean_abs']:.4g} [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"
            )
    predictions = summary.predictions
    if predictions.get("kind") == "labels":
        counts = ", ".join(f"{label}: {n}" for label, n in predictions["counts"].items())
        lines.append(f"Predictions: {counts}")
    elif predictions.get("kind") == "values" and predictions.get("count"):
        lines.append(
            f"Predictions: mean {predictions['mean']:.4g}, sd {predictions['std']:.4g}, from "
            f"{predictions['min']:.4g} to {predictions['max']:.4g}"
        )
    if summary.worst_by_gap:
        worst = summary.worst_by_gap[0]
        lines.append(
            f"Largest relative completeness gap: {worst['relative_gap']:.2e} of |F(x) - F(b)| "
            f"(sequence {worst['id']})"
        )
    if summary.worst_by_faithfulness:
        worst = summary.worst_by_faithfulness[0]
        lines.append(
            f"Lowest faithfulness: {worst['faithfulness']:.3f} (sequence {worst['id']}; 0 = no "
            "better than random)"
        )
    return lines


@contextlib.contextmanager
def _progress() -> Iterator[tuple[Callable[[int, int], None], Callable[[int], None]]]:
    """A bar of sequences done, with sequences per second and the time left (terminals only)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from rnnlens.cli._common import error_console
    from rnnlens.cli._progress import show_progress

    visible = show_progress()
    progress = Progress(
        TextColumn("[bold]Explaining the fleet[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} seq/s"),
        TimeRemainingColumn(),
        console=error_console,
        transient=True,
        disable=not visible,
    )
    task = progress.add_task("fleet", total=None, rate="-")
    state = {"start": 0.0, "new": 0}

    def on_start(total: int, done: int) -> None:
        import time

        state["start"] = time.monotonic()
        progress.update(task, total=total, completed=done)
        if done:
            console.print(
                f"Resuming: {done} of {total} sequences already done in the output folder.",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    def on_progress(n: int) -> None:
        import time

        state["new"] += n
        elapsed = time.monotonic() - state["start"]
        rate = f"{state['new'] / elapsed:.1f}" if elapsed > 0 else "-"
        progress.update(task, advance=n, rate=rate)

    with progress:
        yield on_start, on_progress
