"""The facts inspection finds, as frozen data: what each output of a recurrent model is."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "HeadSpec",
    "InputSpec",
    "ModelSpec",
    "OutputSpec",
    "RecurrentLayerSpec",
]


@dataclass(frozen=True)
class RecurrentLayerSpec:
    """One recurrent layer as the user built it.

    ``kind`` is the cell family (``"LSTM"``, ``"GRU"``, ``"SimpleRNN"``, or the custom cell's class name);
    ``cells`` lists every cell for ``RNN(StackedRNNCells)``. ``path`` names the enclosing models, outermost
    first, so nested layers can be found again.
    """

    name: str
    layer_class: str
    kind: str
    cells: tuple[str, ...]
    units: int
    return_sequences: bool
    return_state: bool
    go_backwards: bool
    stateful: bool
    masked: bool
    zero_output_for_mask: bool
    bidirectional: bool
    merge_mode: str | None
    time_distributed: bool
    activation: str | None
    recurrent_activation: str | None
    reset_after: bool | None
    initial_state_from: tuple[str, ...]
    input_features: int | None
    timesteps: int | None
    path: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ()

    @property
    def output_units(self) -> int:
        """Width of the layer's output: doubled by a Bidirectional ``concat``."""
        if self.bidirectional and self.merge_mode == "concat":
            return 2 * self.units
        return self.units


@dataclass(frozen=True)
class HeadSpec:
    """The layers between a recurrent layer and a model output, and what the final activation means.

    ``meaning`` is one of ``probability`` (sigmoid: independent per unit, threshold it), ``distribution``
    (softmax along the last axis), ``log_distribution``, ``value`` (linear: unbounded, in the target's
    units), ``nonnegative_value`` (relu / softplus / exponential), ``bounded_value`` (tanh: in [-1, 1]),
    ``hidden_state`` (no head: raw recurrent output) or ``unknown``.
    """

    layers: tuple[str, ...]
    activation: str | None
    meaning: str
    range: tuple[float | None, float | None]
    per_timestep: bool


@dataclass(frozen=True)
class OutputSpec:
    """One model output tensor.

    ``kind`` says what the tensor is: ``sequence`` (one vector per timestep), ``last_step`` (the final
    step's vector), ``state_h`` / ``state_c`` (a ``return_state`` piece), ``derived`` (computed from
    something that is not a recurrent layer) . ``facts`` are the plain-language statements ``explain()``
    prints for this output; ``task`` is the inferred task (``regression``, ``forecasting``,
    ``binary_classification``, ``multilabel_classification``, ``multiclass_classification``,
    ``sequence_labelling``, ``sequence_generation``, ``representation``).
    """

    index: int
    name: str
    shape: tuple[int | None, ...]
    axes: tuple[str, ...]
    kind: str
    source_layer: str | None
    source_output: str | None
    direction: str | None
    head: HeadSpec
    task: str
    loss: str | None
    from_logits: bool
    pattern: str
    causal: bool | None
    facts: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def is_sequence(self) -> bool:
        """True when the output has a time axis."""
        return "time" in self.axes

    @property
    def size(self) -> int | None:
        """Length of the last axis (units, classes or targets)."""
        return self.shape[-1] if self.shape else None


@dataclass(frozen=True)
class InputSpec:
    """One model input: its shape, named axes, and whether it holds token ids for an Embedding.

    The facts come from :func:`rnnlens.model_inputs.describe_inputs`; ``role`` is ``"encoder"`` /
    ``"decoder"`` for the inputs of a sequence-to-sequence model, else ``"input"``.
    """

    index: int
    name: str
    shape: tuple[int | None, ...]
    axes: tuple[str, ...]
    dtype: str
    tokens: bool
    vocab_size: int | None
    mask_zero: bool
    role: str = "input"


@dataclass(frozen=True)
class ModelSpec:
    """Everything inspection knows about a model; :meth:`explain` reads it out, :meth:`to_dict` exports it."""

    name: str
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    recurrent_layers: tuple[RecurrentLayerSpec, ...]
    pattern: str
    task: str
    loss: Any
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_recurrent_layers(self) -> bool:
        """False for a model with no recurrent layer at all (it is still described)."""
        return bool(self.recurrent_layers)

    def output(self, key: int | str) -> OutputSpec:
        """Look an output up by index or name."""
        if isinstance(key, int):
            if not -len(self.outputs) <= key < len(self.outputs):
                from rnnlens.errors import TargetError

                raise TargetError(
                    f"Output index {key} is out of range: the model has {len(self.outputs)} output(s)."
                )
            return self.outputs[key]
        for spec in self.outputs:
            if spec.name == key:
                return spec
        from rnnlens.errors import TargetError

        raise TargetError(
            f"No output named {key!r}; the model's outputs are {[o.name for o in self.outputs]}."
        )

    def layer(self, name: str) -> RecurrentLayerSpec:
        """Look a recurrent layer up by name."""
        for spec in self.recurrent_layers:
            if spec.name == name:
                return spec
        from rnnlens.errors import TargetError

        raise TargetError(
            f"No recurrent layer named {name!r}; found {[r.name for r in self.recurrent_layers]}."
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable facts: axis names, kinds, semantics, pattern, warnings."""
        data = asdict(self)
        data["loss"] = _jsonable(self.loss)
        data["has_recurrent_layers"] = self.has_recurrent_layers
        for out, spec in zip(data["outputs"], self.outputs, strict=True):
            out["is_sequence"] = spec.is_sequence
        return _jsonable(data)

    def explain(self) -> str:
        """The plain-language account of every output, as an expert would give it."""
        from rnnlens.inspection.explain import explain_spec

        return explain_spec(self)

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        """Notebook display: one card per output, every user string escaped."""
        from rnnlens.display import to_html

        return to_html(self)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
