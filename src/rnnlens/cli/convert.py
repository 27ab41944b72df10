"""``rnnlens convert``: a Keras 2 ``.h5`` model as a Keras 3 ``.keras`` file, with its predictions checked."""

from __future__ import annotations

from pathlib import Path

import typer

from rnnlens.cli._common import console, custom_objects_option, user_errors
from rnnlens.cli._progress import wrote


def convert(
    model: Path = typer.Argument(
        ..., help="The model file to convert (.h5 from Keras 2, or Keras 3)."
    ),
    out: Path = typer.Argument(..., help="The Keras 3 file to write (.keras)."),
    samples: int = typer.Option(
        8, "--check-samples", help="Random inputs on which the written file must predict the same."
    ),
    custom_objects: Path | None = custom_objects_option(),
) -> None:
    """Write MODEL as a Keras 3 file whose predictions equal MODEL's (checked after writing)."""
    with user_errors():
        from rnnlens.attribution.options import check_positive_int
        from rnnlens.legacy.convert import convert_model

        samples = check_positive_int(samples, "--check-samples", maximum=10_000)
        result = convert_model(model, out, samples=samples, custom_objects=custom_objects)
        console.print(wrote(result.path), highlight=False, markup=False)
        origin = f"saved by Keras {result.saved_by}" if result.saved_by else "a Keras 3 file"
        console.print(
            f"{model.name}: {origin}; max |prediction difference| {result.max_difference:.3g} on "
            f"{result.samples} random inputs (reloaded in safe mode).",
            highlight=False,
            markup=False,
        )
        for line in result.semantics:
            console.print(f"  kept: {line}", highlight=False, markup=False)
