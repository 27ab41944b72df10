"""``rnnlens describe MODEL``: what each output of the model means."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rnnlens.cli._common import user_errors


def describe(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON instead of prose."),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
) -> None:
    """Describe every output of MODEL: named axes, what it is, what its values mean."""
    with user_errors():
        from rnnlens.inspection import inspect_model
        from rnnlens.loading import load_model

        spec = inspect_model(load_model(model, safe_mode=not unsafe))
        if as_json:
            typer.echo(json.dumps(spec.to_dict(), indent=2))
        else:
            typer.echo(spec.explain())
