"""``rnnlens demo``: the whole pipeline on a built-in model, in one command."""

from __future__ import annotations

from pathlib import Path

import typer

from rnnlens.cli._common import console, user_errors
from rnnlens.cli._flags import Flag, resolve_alias
from rnnlens.cli._progress import human_size, show_progress

# A count is -n / --max-samples in every command; --samples lists sample indices (explain).
_MAX_SAMPLES = Flag("--max-samples", int, None, "", "-n", ("--samples",))
# The file written is -o / --out in every command; --output read like --model-output elsewhere.
_OUT = Flag("--out", Path, None, "", "-o", ("--output",))


def demo(
    example: str = typer.Option(
        "turbofan",
        "--example",
        "-e",
        help="turbofan (shipped C-MAPSS FD001 models) or a seed example: forecast, sentiment, translation.",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        "-o",
        help="Report path (default rnnlens-demo.html / rnnlens-demo-EXAMPLE.html).",
    ),
    old_output: Path = typer.Option(None, "--output", hidden=True),
    max_samples: int = typer.Option(
        None, "--max-samples", "-n", help="How many samples to explain in detail."
    ),
    old_samples: int = typer.Option(None, "--samples", hidden=True),
    epochs: int = typer.Option(None, "--epochs", help="Training epochs for the seed examples."),
    steps: str = typer.Option(
        "auto",
        "--steps",
        help="Integrated gradients: quadrature points, auto (more points only where the completeness "
        "gap needs them) or N (1 to 1000).",
    ),
) -> None:
    """Describe, decode, trace and attribute a built-in model, and write an HTML report."""
    with user_errors():
        from rnnlens.demo import run_demo

        samples = resolve_alias(_MAX_SAMPLES, max_samples, {"--samples": old_samples}).value
        output = resolve_alias(_OUT, out, {"--output": old_output}).value
        console.rule(f"rnnlens demo: {example}")
        result = run_demo(
            example,
            output,
            samples=samples,
            epochs=epochs,
            n_steps=steps,
            progress=show_progress(),
            say=lambda line: console.print(f"• {line}", markup=False, highlight=False),
        )
        path = result.report_path.resolve()
        console.print(f"\nReport written to [bold]{path}[/] ({human_size(path.stat().st_size)})")
