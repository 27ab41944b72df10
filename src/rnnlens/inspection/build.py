"""Assemble a ModelSpec from a built Keras model."""

from __future__ import annotations

from typing import Any

from rnnlens.errors import UnsupportedLayerError
from rnnlens.inspection.graph import iter_layers, output_names
from rnnlens.inspection.outputs import describe_output
from rnnlens.inspection.recurrent import is_recurrent, recurrent_spec
from rnnlens.inspection.semantics import loss_names
from rnnlens.inspection.spec import InputSpec, ModelSpec
from rnnlens.loading import saved_loss
from rnnlens.model_inputs import describe_inputs

__all__ = ["build_spec"]


def _input_specs(model: Any) -> tuple[InputSpec, ...]:
    """The inputs as :func:`rnnlens.model_inputs.describe_inputs` decides them, as public specs."""
    return tuple(
        InputSpec(
            index=described.index,
            name=described.name,
            shape=described.shape,
            axes=described.axes,
            dtype=described.dtype,
            tokens=described.tokens,
            vocab_size=described.vocab_size,
            mask_zero=described.mask_zero,
            role=described.role,
        )
        for described in describe_inputs(model)
    )


def build_spec(model: Any) -> ModelSpec:
    """Build the ModelSpec of a built model (see :func:`rnnlens.inspect_model`)."""
    try:
        outputs = list(model.outputs)
        inputs = list(model.inputs)
    except (AttributeError, ValueError) as exc:
        raise UnsupportedLayerError(
            f"Model {model.name!r} is not built, so it has no graph to inspect. Build it with an "
            "explicit keras.Input (or call it once on data) before inspecting it."
        ) from exc
    if not outputs or not inputs:
        raise UnsupportedLayerError(
            f"Model {model.name!r} has no symbolic inputs/outputs to inspect."
        )
    layer_specs = {}
    for layer, path in iter_layers(model):
        if is_recurrent(layer):
            layer_specs[layer.name] = recurrent_spec(layer, path)
    loss = saved_loss(model)
    names = output_names(model)
    output_specs = tuple(
        describe_output(model, i, tensor, names[i], loss, layer_specs)
        for i, tensor in enumerate(outputs)
    )
    patterns = {o.pattern for o in output_specs}
    pattern = (
        patterns.pop()
        if len(patterns) == 1
        else ("encoder-decoder" if "encoder-decoder" in patterns else "mixed")
    )
    tasks = {o.task for o in output_specs}
    task = tasks.pop() if len(tasks) == 1 else "multi-task"
    warnings = tuple(w for o in output_specs for w in o.warnings)
    if not layer_specs:
        warnings = (*warnings, "No recurrent layer found: tracing and state analysis do not apply.")
    return ModelSpec(
        name=model.name,
        inputs=_input_specs(model),
        outputs=output_specs,
        recurrent_layers=tuple(layer_specs.values()),
        pattern=pattern,
        task=task,
        loss=loss_names(loss),
        warnings=warnings,
    )
