"""``rnnlens describe MODEL``: what each output of the model means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import custom_objects_option, user_errors


def describe(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON instead of prose."),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    custom_objects: Path | None = custom_objects_option(),
) -> None:
    """Describe every output of MODEL: named axes, what it is, what its values mean."""
    with user_errors():
        from rnnlens.inspection import inspect_model
        from rnnlens.legacy.provenance import legacy_provenance
        from rnnlens.loading import load_model

        keras_model = load_model(model, safe_mode=not unsafe, custom_objects=custom_objects)
        spec = inspect_model(keras_model)
        roles = input_roles(keras_model)
        legacy = legacy_provenance(keras_model)
        if as_json:
            facts = spec.to_dict()
            if roles:
                facts["input_roles"] = roles
            if legacy is not None:
                facts["saved_by"] = legacy.summary()
            typer.echo(json.dumps(facts, indent=2))
        else:
            typer.echo(spec.explain())
            if roles:
                typer.echo(roles_text(roles))
            if legacy is not None:
                typer.echo(f"File: {legacy.summary()}.")


def input_roles(model: Any) -> dict[str, str]:
    """``{input name: "encoder" | "decoder"}`` for an encoder-decoder model, else empty."""
    from rnnlens.model_inputs import decoder_input, describe_inputs

    if decoder_input(model) is None:
        return {}
    return {item.name: item.role for item in describe_inputs(model)}


def roles_text(roles: dict[str, str]) -> str:
    """Which input feeds the encoder and which the decoder, and how to give them on the command line.

    Example:
        >>> print(roles_text({"source": "encoder", "target": "decoder"}))
        Inputs: 'source' is the encoder's input; 'target' is the decoder's input (its previous tokens).
        Give both in one .npz (one array per input name), or DATA (source) plus --decoder-data FILE (target); leave the decoder's out, or pass --generate, to generate greedily.
    """
    encoder = [name for name, role in roles.items() if role == "encoder"]
    decoder = [name for name, role in roles.items() if role == "decoder"]
    parts = [f"{name!r} is the encoder's input" for name in encoder]
    parts += [f"{name!r} is the decoder's input (its previous tokens)" for name in decoder]
    return (
        "Inputs: " + "; ".join(parts) + ".\n"
        f"Give both in one .npz (one array per input name), or DATA ({', '.join(encoder)}) plus "
        f"--decoder-data FILE ({', '.join(decoder)}); leave the decoder's out, or pass --generate, to "
        "generate greedily."
    )
