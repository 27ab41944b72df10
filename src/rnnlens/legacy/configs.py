"""Keras 2 layer configs -> Keras 3 layer configs, keeping Keras 2's semantics and naming what was dropped.

Exact or refused: a key that changes predictions is translated; a key that cannot change them (initializers,
regularizers, constraints) or that Keras 3 refuses and that has no effect at inference (``time_major``,
``implementation``, ``input_length``) is dropped and recorded; any other unknown key is refused, naming the
layer, so a prediction is never silently changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rnnlens.errors import ModelLoadError

__all__ = ["KERAS2_ONLY_KEYS", "TranslatedLayer", "Translation", "translate_layer"]

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
}
# Keys Keras 2 wrote that Keras 3 refuses, none of which changes a prediction:
KERAS2_ONLY_KEYS = {
    "time_major": "the time axis always comes second in a Keras 2 .h5 model's inputs",
    "implementation": "Keras 2's choice of kernel fusion; the same maths",
    "input_length": "Embedding's declared sequence length; the input shape carries it",
    "batch_input_shape": "becomes the model's Input",
    "batch_size": "becomes the model's Input",
    "input_dim": "Keras 1-style input declaration; the input shape carries it",
}
_TRAINING_ONLY_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
_CUDNN = {"CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU"}


@dataclass(frozen=True)
class TranslatedLayer:
    """One layer's Keras 3 class name and constructor config (wrapped layers translated too).

    ``config`` may hold callables (Keras 2 activations) and, for wrappers, ``TranslatedLayer`` values.
    """

    class_name: str
    config: dict[str, Any]


@dataclass
class Translation:
    """What translating a model's layers kept and dropped, for :class:`~rnnlens.legacy.LegacyProvenance`."""

    keras_version: str
    version: tuple[int, int]
    semantics: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def translate_layer(layer: dict[str, Any], translation: Translation) -> TranslatedLayer:
    """Translate one serialised Keras 2 layer ``{"class_name", "config"}``.

    Raises:
        ModelLoadError: the layer has no Keras 3 counterpart rnnlens can rebuild exactly, or a key it does not
            know.
    """
    class_name = str(layer.get("class_name"))
    config = dict(layer.get("config") or {})
    name = str(config.get("name", class_name))
    version = translation.keras_version
    if class_name in _CUDNN:
        raise ModelLoadError(
            f"Layer {name!r} is a {class_name} (saved by Keras {version}): converting its cuDNN weight "
            f"layout to a Keras 3 {_CUDNN[class_name]} is not supported yet. Re-save the model with the "
            f"layer replaced by {_CUDNN[class_name]} in Keras 2, then load that file."
        )
    if class_name not in KEPT_KEYS:
        raise ModelLoadError(
            f"Layer {name!r} is a {class_name} (saved by Keras {version}), which rnnlens cannot rebuild "
            f"from a Keras 2 file; supported layers: {', '.join(sorted(KEPT_KEYS))}."
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
    _apply_version_defaults(class_name, translated, translation)
    _keep_keras2_activations(class_name, name, translated, translation)
    for key in ("layer", "backward_layer"):
        if isinstance(translated.get(key), dict):
            translated[key] = translate_layer(translated[key], translation)
    return TranslatedLayer(class_name, translated)


def _apply_version_defaults(
    class_name: str, config: dict[str, Any], translation: Translation
) -> None:
    """Fill keys a file omits with the default of the Keras version that wrote it (not Keras 3's)."""
    name = config.get("name", class_name)
    if class_name in ("LSTM", "GRU") and "recurrent_activation" not in config:
        # Keras 2.0-2.2 LSTM / GRU defaulted to hard_sigmoid; 2.3 and tf.keras 2 to sigmoid.
        default = "hard_sigmoid" if translation.version < (2, 3) else "sigmoid"
        config["recurrent_activation"] = default
        translation.semantics.append(
            f"{name}: recurrent_activation absent, Keras {translation.keras_version}'s default {default}"
        )
    if class_name == "GRU" and "reset_after" not in config:
        # reset_after appeared in Keras 2.1.3 with default False; files without it apply the reset before.
        config["reset_after"] = False
        translation.semantics.append(
            f"{name}: reset_after absent, Keras 2's reset-before GRU (reset_after=False)"
        )


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
