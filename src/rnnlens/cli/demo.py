"""``rnnlens demo``: the whole pipeline on a built-in model, in one command."""

from __future__ import annotations

from pathlib import Path

import typer

from rnnlens.attribution.registry import DEFAULT_N_STEPS
from rnnlens.cli._common import console, user_errors
from rnnlens.cli._flags import Flag, resolve_alias

# A count is -n / --max-samples in every command; --samples lists sample indices (explain).
_MAX_SAMPLES = Flag("--max-samples", int, None, "", "-n", ("--samples",))


def demo(
    example: str = typer.Option(
        "turbofan",
        "--example",
        "-e",
        help="turbofan (shipped C-MAPSS FD001 models) or a seed example: forecast, sentiment, translation.",
    ),
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Report path (default rnnlens-demo.html / rnnlens-demo-EXAMPLE.html).",
    ),
    max_samples: int = typer.Option(
        None, "--max-samples", "-n", help="How many samples to explain in detail."
    ),
    old_samples: int = typer.Option(None, "--samples", hidden=True),
    epochs: int = typer.Option(None, "--epochs", help="Training epochs for the seed examples."),
    steps: int = typer.Option(
        DEFAULT_N_STEPS, "--steps", help="Integrated gradients: quadrature points (1 to 1000)."
    ),
) -> None:
    """Describe, decode, trace and attribute a built-in model, and write an HTML report."""
    with user_errors():
        from rnnlens.demo import run_demo

        samples = resolve_alias(_MAX_SAMPLES, max_samples, {"--samples": old_samples}).value
        console.rule(f"rnnlens demo: {example}")
        result = run_demo(
            example,
            output,
            samples=samples,
            epochs=epochs,
            n_steps=steps,
            progress=True,
            say=lambda line: console.print(f"• {line}", markup=False, highlight=False),
        )
        console.print(f"\nReport written to [bold]{result.report_path.resolve()}[/]")
