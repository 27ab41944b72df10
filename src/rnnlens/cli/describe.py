"""``rnnlens describe MODEL``: what each output of the model means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rnnlens.cli._common import custom_objects_option, import_backend_quietly, user_errors

if TYPE_CHECKING:
    from rnnlens.inspection.spec import ModelSpec


def describe(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON instead of prose."),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    custom_objects: Path | None = custom_objects_option(),
) -> None:
    """Describe every output of MODEL: named axes, what it is, what its values mean."""
    # A .keras file of standard layers is described from its config alone, in a second: no backend is
    # imported. Anything else (custom objects, --unsafe, .h5 files, layers the config reader does not
    # list) builds the model, which imports the Keras backend.
    with user_errors(import_backend=False):
        from rnnlens.inspection.from_config import describe_saved

        spec = None if unsafe or custom_objects is not None else describe_saved(model)
        legacy = None
        if spec is None:
            spec, legacy = _describe_built(model, unsafe, custom_objects)
        roles = input_roles(spec)
        if as_json:
            facts = spec.to_dict()
            if roles:
                facts["input_roles"] = roles
            if legacy is not None:
                facts["saved_by"] = legacy
            typer.echo(json.dumps(facts, indent=2))
        else:
            typer.echo(spec.explain())
            if roles:
                typer.echo(roles_text(roles))
            if legacy is not None:
                typer.echo(f"File: {legacy}.")


def _describe_built(
    model: Path, unsafe: bool, custom_objects: Path | None
) -> tuple[ModelSpec, str | None]:
    """Load and inspect the model; also which Keras saved it, for a Keras 2 file."""
    import_backend_quietly()
    from rnnlens.inspection import inspect_model
    from rnnlens.legacy.provenance import legacy_provenance
    from rnnlens.loading import load_model

    keras_model = load_model(model, safe_mode=not unsafe, custom_objects=custom_objects)
    legacy = legacy_provenance(keras_model)
    return inspect_model(keras_model), legacy.summary() if legacy is not None else None


def input_roles(spec: ModelSpec) -> dict[str, str]:
    """``{input name: "encoder" | "decoder"}`` for an encoder-decoder model (one decoder input), else empty.

    Example:
        >>> input_roles(rnnlens.inspect_model(model))
        {}
    """
    if sum(item.role == "decoder" for item in spec.inputs) != 1:
        return {}
    return {item.name: item.role for item in spec.inputs}


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
