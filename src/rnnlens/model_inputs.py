"""The one description of a model's inputs: names, roles, token-ness, vocabulary, masking, Embedding.

Every part of rnnlens that needs to know what a model takes reads :func:`describe_inputs` (validation,
data readers, inspection, attribution), so each fact is decided once:

- **name**: the symbolic input's name without the ``:0`` suffix some backends add (:func:`input_name`);
- **Embedding**: the ``keras.layers.Embedding`` that reads the input directly, found by walking the
  graph from the outputs, through nested models; a single-input model whose first layer is an Embedding
  also counts (a Sequential built without ``Input``);
- **tokens**: the input holds token ids: an Embedding reads it, or its dtype is an integer dtype;
- **vocab_size** / **mask_zero**: the Embedding's ``input_dim`` / ``mask_zero``;
- **role**: ``"encoder"`` / ``"decoder"`` for the inputs of a sequence-to-sequence model (the decoder's
  recurrent layer starts from a state computed from the encoder input), else ``"input"``.

The description is computed once per model and kept in a weak dictionary (nothing is written onto the
user's model); it is rebuilt when the model's inputs or layers change.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from rnnlens import _keras, names

__all__ = [
    "ModelInput",
    "decoder_input",
    "describe_inputs",
    "first_layer",
    "input_name",
    "input_names",
    "output_vocab_input",
    "walk_layers",
]

ROLES = ("input", "encoder", "decoder")


@dataclass(frozen=True)
class ModelInput:
    """One model input, as every part of rnnlens sees it.

    Attributes:
        index: position in ``model.inputs``.
        name: the input's name (no ``:0`` suffix).
        shape: the symbolic shape, batch axis first (``None`` = any size).
        dtype: the input's dtype (``"float32"``, ``"int32"``...).
        tokens: holds token ids (an Embedding reads it, or its dtype is an integer dtype).
        vocab_size: the reading Embedding's ``input_dim``, else None.
        mask_zero: the reading Embedding masks id 0.
        role: ``"encoder"`` / ``"decoder"`` in a sequence-to-sequence model, else ``"input"``.
        embedding: the ``keras.layers.Embedding`` that reads the input directly, else None.
        embedding_shared_with: names of the other inputs read by the same Embedding layer.
    """

    index: int
    name: str
    shape: tuple[int | None, ...]
    dtype: str
    tokens: bool
    vocab_size: int | None
    mask_zero: bool
    role: str = "input"
    embedding: Any = field(default=None, compare=False, repr=False)
    embedding_shared_with: tuple[str, ...] = ()

    @property
    def timesteps(self) -> int | None:
        """Length of the time axis (None: any length, or no time axis)."""
        return self.shape[1] if len(self.shape) > 1 else None

    @property
    def features(self) -> int | None:
        """Width of the feature axis (None: any width, or a token input shaped ``(batch, time)``)."""
        return self.shape[2] if len(self.shape) > 2 else None

    @property
    def axes(self) -> tuple[str, ...]:
        """Canonical axis names (:mod:`rnnlens.names`): ``(batch, time)`` or ``(batch, time, features)``."""
        rank = len(self.shape)
        if rank == 2:
            return (names.BATCH, names.TIME)
        if rank == 3:
            return (names.BATCH, names.TIME, names.FEATURES)
        return (names.BATCH, *[f"axis{i}" for i in range(1, rank)])


def input_name(tensor: Any) -> str:
    """A symbolic tensor's name without the ``:0`` suffix some backends add."""
    return str(getattr(tensor, "name", "")).split(":")[0]


def input_names(model: Any) -> list[str]:
    """The names of ``model.inputs``, in order."""
    return [input_name(tensor) for tensor in model.inputs]


_CACHE: weakref.WeakKeyDictionary[Any, tuple[Any, tuple[ModelInput, ...]]] = (
    weakref.WeakKeyDictionary()
)


def describe_inputs(model: Any) -> tuple[ModelInput, ...]:
    """Describe every input of a built ``keras.Model``, in ``model.inputs`` order (cached per model).

    Example:
        >>> [(i.name, i.tokens, i.vocab_size) for i in describe_inputs(model)]  # doctest: +SKIP
        [('tokens', True, 5000)]
    """
    inputs = list(model.inputs)
    key = (tuple(id(tensor) for tensor in inputs), len(walk_layers(model)))
    try:
        cached = _CACHE.get(model)
    except TypeError:  # not weak-referenceable: describe without caching
        return _describe(model, inputs)
    if cached is not None and cached[0] == key:
        return cached[1]
    described = _describe(model, inputs)
    _CACHE[model] = (key, described)
    return described


def decoder_input(model: Any) -> ModelInput | None:
    """The decoder's input of a sequence-to-sequence model (role ``"decoder"``), else None."""
    found = [item for item in describe_inputs(model) if item.role == "decoder"]
    return found[0] if len(found) == 1 else None


def output_vocab_input(model: Any) -> str:
    """The input whose vocabulary names the output tokens: the decoder's, else the last input's."""
    decoder = decoder_input(model)
    return decoder.name if decoder is not None else input_names(model)[-1]


def walk_layers(model: Any) -> list[Any]:
    """Every layer of ``model``, nested models' layers included, depth first."""
    layers = []
    for layer in getattr(model, "layers", []):
        layers.append(layer)
        if hasattr(layer, "layers") and layer is not model:
            layers.extend(walk_layers(layer))
    return layers


def first_layer(model: Any) -> Any:
    """The first layer of ``model``, looking into a nested model in first position (None if empty)."""
    layers = getattr(model, "layers", [])
    if not layers:
        return None
    first = layers[0]
    return first_layer(first) if hasattr(first, "layers") else first


# --------------------------------------------------------------------------------------- internals
def _describe(model: Any, inputs: list[Any]) -> tuple[ModelInput, ...]:
    import keras

    input_names_ = [input_name(tensor) for tensor in inputs]
    readers = _embedding_readers(model, inputs)
    if not readers and len(inputs) == 1:
        first = next(
            (
                layer
                for layer in walk_layers(model)
                if not isinstance(layer, keras.layers.InputLayer | keras.Model)
            ),
            None,
        )
        if isinstance(first, keras.layers.Embedding):
            readers[0] = first
    roles = _roles(model, inputs)
    described = []
    for index, tensor in enumerate(inputs):
        embedding = readers.get(index)
        dtype = str(tensor.dtype)
        shared = tuple(
            input_names_[other]
            for other, layer in readers.items()
            if other != index and embedding is not None and layer is embedding
        )
        described.append(
            ModelInput(
                index=index,
                name=input_names_[index],
                shape=tuple(tensor.shape),
                dtype=dtype,
                tokens=embedding is not None or "int" in dtype,
                vocab_size=int(embedding.input_dim) if embedding is not None else None,
                mask_zero=bool(getattr(embedding, "mask_zero", False)),
                role=roles.get(index, "input"),
                embedding=embedding,
                embedding_shared_with=shared,
            )
        )
    return tuple(described)


def _embedding_readers(model: Any, inputs: list[Any]) -> dict[int, Any]:
    """Input index -> the Embedding whose call reads that input directly (through nested models)."""
    import keras

    from rnnlens.inspection.graph import ancestors, main_input

    found: dict[int, Any] = {}
    try:
        outputs = list(model.outputs)
    except (AttributeError, ValueError):
        return found
    for output in outputs:
        for call in ancestors(output):
            if not isinstance(call.layer, keras.layers.Embedding):
                continue
            index = _input_index(main_input(call.node), call.scope, inputs)
            if index is not None:
                found.setdefault(index, call.layer)
    return found


def _input_index(tensor: Any, scope: tuple[tuple[Any, Any], ...], inputs: list[Any]) -> int | None:
    """The position in ``inputs`` of the model input ``tensor`` is (leaving nested models), else None."""
    import keras

    while tensor is not None:
        history = _keras.keras_history(tensor)
        if history is None or not isinstance(history[0], keras.layers.InputLayer):
            break
        if not scope:
            break
        nested, outer_node = scope[-1]
        flat = keras.tree.flatten(nested.inputs)
        position = next((i for i, t in enumerate(flat) if t is tensor), None)
        if outer_node is None or position is None:
            return None
        tensor, scope = outer_node.input_tensors[position], scope[:-1]
    else:
        return None
    history = _keras.keras_history(tensor)
    if history is not None and not isinstance(history[0], keras.layers.InputLayer):
        return None  # produced by a layer: the Embedding does not read a model input directly
    same = [i for i, candidate in enumerate(inputs) if candidate is tensor]
    if same:
        return same[0]
    named = [i for i, candidate in enumerate(inputs) if input_name(candidate) == input_name(tensor)]
    return named[0] if len(named) == 1 else None


def _roles(model: Any, inputs: list[Any]) -> dict[int, str]:
    """Encoder / decoder inputs: a recurrent call started from another layer's state is a decoder."""
    from rnnlens.inspection.graph import ancestors, main_input, node_kwarg_tensors

    encoders: set[int] = set()
    decoders: set[int] = set()
    try:
        outputs = list(model.outputs)
    except (AttributeError, ValueError):
        return {}
    for output in outputs:
        for call in ancestors(output):
            if not _keras.is_recurrent_layer(call.layer):
                continue
            states = node_kwarg_tensors(call.node, "initial_state")
            if not states:
                continue
            decoders |= _upstream_inputs(main_input(call.node), call.scope, inputs)
            for state in states:
                encoders |= _upstream_inputs(state, call.scope, inputs)
    roles = {index: "encoder" for index in encoders - decoders}
    roles.update({index: "decoder" for index in decoders - encoders})
    return roles


def _upstream_inputs(
    tensor: Any, scope: tuple[tuple[Any, Any], ...], inputs: list[Any]
) -> set[int]:
    """Positions of the model inputs ``tensor`` is computed from (along the data path)."""
    from rnnlens.inspection.graph import ancestors, positional_inputs, producer

    found: set[int] = set()
    if tensor is None:
        return found
    start = _input_index(tensor, scope, inputs) if producer(tensor, scope).layer is None else None
    if start is not None:
        found.add(start)
    for call in ancestors(tensor, scope, positional_only=True):
        for source in positional_inputs(call.node):
            if producer(source, call.scope).layer is None:
                index = _input_index(source, call.scope, inputs)
                if index is not None:
                    found.add(index)
    return found
