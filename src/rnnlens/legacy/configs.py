"""Keras 2 layer configs -> Keras 3 layer configs, keeping Keras 2's semantics and naming what was dropped.

Exact or refused: a key that changes predictions is translated; a key that cannot change them (initializers,
regularizers, constraints) or that Keras 3 refuses and that has no effect at inference (``time_major``,
``implementation``, ``input_length``) is dropped and recorded; any other unknown key is refused, naming the
layer, so a prediction is never silently changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rnnlens.errors import ModelLoadError
from rnnlens.legacy.cudnn import CUDNN_LAYERS, standard_rnn_config

__all__ = [
    "KERAS2_ONLY_KEYS",
    "TranslatedLayer",
    "Translation",
    "custom_objects_hint",
    "translate_layer",
]

_COMMON = {"name", "trainable", "dtype"}
_RNN = {
    "units",
    "activation",
    "use_bias",
    "dropout",
    "recurrent_dropout",
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "zero_output_for_mask",
}
# The keys each supported layer keeps (besides the common ones); all change or describe the forward pass.
KEPT_KEYS: dict[str, set[str]] = {
    "LSTM": _RNN | {"recurrent_activation", "unit_forget_bias"},
    "GRU": _RNN | {"recurrent_activation", "reset_after"},
    "SimpleRNN": _RNN,
    "Dense": {"units", "activation", "use_bias"},
    "Embedding": {"input_dim", "output_dim", "mask_zero"},
    "Masking": {"mask_value"},
    "Dropout": {"rate", "noise_shape", "seed"},
    "SpatialDropout1D": {"rate", "seed"},
    "Activation": {"activation"},
    "Flatten": {"data_format"},
    "RepeatVector": {"n"},
    "TimeDistributed": {"layer"},
    "Bidirectional": {"layer", "merge_mode", "backward_layer"},
    # Layers functional (non-Sequential) models join their branches with.
    "Concatenate": {"axis"},
    "Add": set(),
    "Subtract": set(),
    "Multiply": set(),
    "Average": set(),
    "Maximum": set(),
    "Minimum": set(),
    "Dot": {"axes", "normalize"},
    "Reshape": {"target_shape"},
    "Permute": {"dims"},
    "GlobalAveragePooling1D": {"data_format", "keepdims"},
    "GlobalMaxPooling1D": {"data_format", "keepdims"},
}
# Keys Keras 2 wrote that Keras 3 refuses, none of which changes a prediction:
KERAS2_ONLY_KEYS = {
    "time_major": "the time axis always comes second in a Keras 2 .h5 model's inputs",
    "implementation": "Keras 2's choice of kernel fusion; the same maths",
    "input_length": "Embedding's declared sequence length; the input shape carries it",
    "batch_input_shape": "becomes the model's Input",
    "batch_size": "becomes the model's Input",
    "input_dim": "Keras 1-style input declaration; the input shape carries it",
    "sparse": "Embedding's sparse gradients (training only)",
}
_TRAINING_ONLY_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


@dataclass(frozen=True)
class TranslatedLayer:
    """One layer's Keras 3 class name and constructor config (wrapped layers translated too).

    ``config`` may hold callables (Keras 2 activations) and, for wrappers, ``TranslatedLayer`` values.
    """

    class_name: str
    config: dict[str, Any]
    cudnn: str | None = None
    custom: bool = False

    @property
    def cudnn_layers(self) -> tuple[str, ...]:
        """The Keras 2 cuDNN classes in this layer and the layers it wraps (whose weights need converting)."""
        found = [self.cudnn] if self.cudnn else []
        for key in ("layer", "backward_layer"):
            inner = self.config.get(key)
            if isinstance(inner, TranslatedLayer):
                found.extend(inner.cudnn_layers)
        return tuple(found)


@dataclass
class Translation:
    """What translating a model's layers kept and dropped, for :class:`~rnnlens.legacy.LegacyProvenance`.

    ``custom_objects`` maps class or function names that are not part of Keras to the objects to use;
    ``bias_shapes`` the shapes of each layer's saved bias arrays (by top-level layer name);
    ``cudnn_layers`` maps each built layer holding a Keras 2 cuDNN layer to that class (its weights are
    converted when read).
    """

    keras_version: str
    version: tuple[int, int]
    semantics: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    custom_objects: Mapping[str, Any] = field(default_factory=dict)
    bias_shapes: Mapping[str, list[tuple[int, ...]]] = field(default_factory=dict)
    cudnn_layers: dict[str, str] = field(default_factory=dict)


def custom_objects_hint(kind: str, name: str) -> str:
    """How to supply a class or function Keras does not define, for error messages."""
    return (
        f"If {name} is a custom {kind}, pass it: custom_objects={{{name!r}: {name}}} in Python, or "
        "--custom-objects MODULE.py on the command line (a module that defines it)."
    )


def translate_layer(
    layer: dict[str, Any], translation: Translation, *, weights_of: str | None = None
) -> TranslatedLayer:
    """Translate one serialised Keras 2 layer ``{"class_name", "config"}``.

    Args:
        layer: the layer as the file's ``model_config`` lists it.
        translation: the model's translation so far (version, records, custom objects, weight shapes).
        weights_of: the top-level layer whose file group holds this layer's weights (for a wrapped layer,
            its wrapper); defaults to the layer itself.

    Raises:
        ModelLoadError: the layer has no Keras 3 counterpart rnnlens can rebuild exactly, or a key it does not
            know.
    """
    class_name = str(layer.get("class_name"))
    config = dict(layer.get("config") or {})
    name = str(config.get("name", class_name))
    weights_of = weights_of or name
    version = translation.keras_version
    cudnn = None
    if class_name in CUDNN_LAYERS:
        cudnn, class_name = class_name, CUDNN_LAYERS[class_name]
        config = standard_rnn_config(cudnn, config)
        translation.semantics.append(
            f"{name}: {cudnn} mapped to {class_name} ({_CUDNN_MEANING[cudnn]}; weights converted from "
            "the cuDNN layout)"
        )
    elif class_name not in KEPT_KEYS:
        if class_name in translation.custom_objects:
            return _custom_layer(class_name, config, translation)
        raise ModelLoadError(
            f"Layer {name!r} is a {class_name} (saved by Keras {version}), which rnnlens cannot rebuild "
            f"from a Keras 2 file: it has no exact Keras 3 counterpart rnnlens knows. "
            f"{custom_objects_hint('layer', class_name)} Supported Keras layers: "
            f"{', '.join(sorted(KEPT_KEYS))}."
        )
    kept = KEPT_KEYS[class_name] | _COMMON
    translated: dict[str, Any] = {}
    for key, value in config.items():
        if key in kept:
            translated[key] = value
        elif (
            key in KERAS2_ONLY_KEYS
            or key == "activity_regularizer"
            or key.endswith(_TRAINING_ONLY_SUFFIXES)
        ):
            translation.dropped.append(f"{name}: {key}")
        else:
            raise ModelLoadError(
                f"Layer {name!r} ({class_name}, saved by Keras {version}) has the config key {key!r}, which "
                "rnnlens does not know how to carry to Keras 3 exactly; refusing rather than changing the "
                "model's predictions. Report the file's Keras version and this key."
            )
    if not isinstance(translated.get("dtype", "float32"), str):
        translation.dropped.append(f"{name}: dtype (a mixed-precision policy; float32 is used)")
        translated.pop("dtype")
    _apply_version_defaults(class_name, translated, translation, weights_of)
    _keep_keras2_activations(class_name, name, translated, translation)
    for key in ("layer", "backward_layer"):
        if isinstance(translated.get(key), dict):
            translated[key] = translate_layer(translated[key], translation, weights_of=weights_of)
    return TranslatedLayer(class_name, translated, cudnn=cudnn)


# What a cuDNN layer computes, in the words describe prints.
_CUDNN_MEANING = {
    "CuDNNLSTM": "sigmoid gates, tanh, input and recurrent biases summed",
    "CuDNNGRU": "reset_after=True, sigmoid gates, tanh",
}


def _custom_layer(
    class_name: str, config: dict[str, Any], translation: Translation
) -> TranslatedLayer:
    """A layer Keras does not define, built by the class the user supplied, from its own config."""
    name = str(config.get("name", class_name))
    for key in ("batch_input_shape", "batch_size"):
        if key in config:
            config.pop(key)
            translation.dropped.append(f"{name}: {key}")
    translation.semantics.append(f"{name}: custom layer {class_name} from custom_objects")
    return TranslatedLayer(class_name, config, custom=True)


def _apply_version_defaults(
    class_name: str, config: dict[str, Any], translation: Translation, weights_of: str
) -> None:
    """Fill keys a file omits with what the Keras version that wrote it did (not Keras 3's defaults)."""
    name = config.get("name", class_name)
    if class_name in ("LSTM", "GRU") and "recurrent_activation" not in config:
        # Keras 2.0-2.2 LSTM / GRU defaulted to hard_sigmoid; 2.3 and tf.keras 2 to sigmoid.
        default = "hard_sigmoid" if translation.version < (2, 3) else "sigmoid"
        config["recurrent_activation"] = default
        translation.semantics.append(
            f"{name}: recurrent_activation absent, Keras {translation.keras_version}'s default {default}"
        )
    if class_name == "GRU" and "reset_after" not in config:
        config["reset_after"], why = _gru_reset_after(translation, weights_of)
        translation.semantics.append(f"{name}: reset_after absent, {why}")


def _gru_reset_after(translation: Translation, weights_of: str) -> tuple[bool, str]:
    """A GRU's ``reset_after`` when its config omits it: its saved bias layout decides, else the version's.

    Keras wrote the key from 2.1.3 on (default False; tf.keras in TensorFlow 2 defaulted to True), and the
    versions string of tf.keras cannot tell TensorFlow 1 from 2 ("2.2.4-tf" in both), but the bias can:
    ``(2, 3 units)`` holds separate input and recurrent biases (reset after), ``(3 units,)`` one (before).
    """
    for shape in translation.bias_shapes.get(weights_of, []):
        if len(shape) == 2 and shape[0] == 2:
            return True, f"its saved bias of shape {shape} means reset_after=True"
    for shape in translation.bias_shapes.get(weights_of, []):
        if len(shape) == 1:
            return False, f"its saved bias of shape {shape} means Keras 2's reset-before GRU"
    return False, f"Keras {translation.keras_version}'s reset-before GRU (reset_after=False)"


def _keep_keras2_activations(
    class_name: str, name: str, config: dict[str, Any], translation: Translation
) -> None:
    from rnnlens.legacy.activations import KERAS2_ACTIVATIONS

    for key in ("activation", "recurrent_activation"):
        value = config.get(key)
        if isinstance(
            value, dict
        ):  # {"class_name": "function", "config": "hard_sigmoid"} in some versions
            value = value.get("config") if isinstance(value.get("config"), str) else value
        if isinstance(value, str) and value in KERAS2_ACTIVATIONS:
            config[key] = KERAS2_ACTIVATIONS[value]
            translation.semantics.append(
                f"{name}: {key} {value} kept as Keras 2's clip(0.2 x + 0.5, 0, 1)"
            )
        elif isinstance(value, str) and value in translation.custom_objects:
            config[key] = translation.custom_objects[value]
            translation.semantics.append(f"{name}: {key} {value} from custom_objects")
        elif isinstance(value, str) and not _is_keras_activation(value):
            raise ModelLoadError(
                f"Layer {name!r} ({class_name}, saved by Keras {translation.keras_version}) uses the "
                f"{key} {value!r}, which Keras does not define. "
                f"{custom_objects_hint('function', value)}"
            )


def _is_keras_activation(name: str) -> bool:
    import keras

    try:
        keras.activations.get(name)
    except Exception:  # Keras raises ValueError for an unknown name
        return False
    return True
