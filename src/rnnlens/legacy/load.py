"""Rebuild a Keras 2 ``.h5`` model as a Keras 3 model with Keras 2's exact semantics."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnlens.errors import ModelLoadError
from rnnlens.legacy.configs import TranslatedLayer, Translation, translate_layer
from rnnlens.legacy.files import read_legacy_file, version_tuple
from rnnlens.legacy.provenance import LegacyProvenance, record_provenance
from rnnlens.legacy.weights import set_file_weights

if TYPE_CHECKING:
    import keras

__all__ = ["load_legacy_model"]


def load_legacy_model(path: str | os.PathLike[str]) -> keras.Model:
    """Load a model saved by Keras 2 (``.h5``), exactly: Keras 2 activations and defaults are kept.

    Args:
        path: a ``.h5`` file whose ``keras_version`` attribute is 2.x.

    Returns:
        The rebuilt ``keras.Model``; :func:`rnnlens.legacy.legacy_provenance` says which Keras version saved
        it and which Keras 2 semantics were kept.

    Raises:
        ModelLoadError: a Keras 1 file, a functional (non-Sequential) model, a layer with no Keras 3
            counterpart, or missing / misshapen weights; the message names the version and the layer.
    """
    import h5py

    file = Path(path)
    legacy = read_legacy_file(file)
    translation = Translation(legacy.keras_version, version_tuple(legacy.keras_version))
    model_class = legacy.model_config.get("class_name")
    if model_class != "Sequential":
        raise ModelLoadError(
            f"{file.name} holds a Keras {legacy.keras_version} {model_class} model; rnnlens rebuilds "
            "Keras 2 Sequential models only so far. Rebuild the model in Keras 3 code and load its weights "
            "with `model.load_weights(...)`, then pass the keras.Model object."
        )
    model = _build_sequential(legacy.model_config["config"], translation)
    with h5py.File(file, "r") as handle:
        set_file_weights(model, handle, legacy.keras_version)
    record_provenance(
        model,
        LegacyProvenance(
            legacy.keras_version,
            legacy.backend,
            tuple(translation.semantics),
            tuple(translation.dropped),
        ),
    )
    return model


def _build_sequential(config: Any, translation: Translation) -> keras.Model:
    import keras

    # Keras 2.0-2.1 saved a Sequential's config as the bare list of its layers; 2.2 and later as a dict.
    layers = config if isinstance(config, list) else list(config.get("layers", []))
    name = None if isinstance(config, list) else config.get("name")
    if not layers:
        raise ModelLoadError(
            f"The Sequential model (saved by Keras {translation.keras_version}) has no layers."
        )
    first = dict(layers[0].get("config") or {})
    if layers[0].get("class_name") == "InputLayer":
        layers = layers[1:]
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if shape is None:
        raise ModelLoadError(
            f"The first layer of the Sequential model (saved by Keras {translation.keras_version}) declares "
            "no batch_input_shape, so its input shape is unknown. Build the model in Keras 3 code and "
            "load its weights instead."
        )
    dtype = first.get("dtype") if isinstance(first.get("dtype"), str) else None
    inputs = keras.Input(batch_shape=tuple(shape), dtype=dtype)
    built = [_build_layer(translate_layer(layer, translation), translation) for layer in layers]
    return keras.Sequential([inputs, *built], name=name)


def _build_layer(layer: TranslatedLayer, translation: Translation) -> keras.layers.Layer:
    import keras

    config = {
        key: _build_layer(value, translation) if isinstance(value, TranslatedLayer) else value
        for key, value in layer.config.items()
    }
    try:
        return getattr(keras.layers, layer.class_name)(**config)
    except Exception as exc:  # Keras raises TypeError / ValueError on configs it refuses
        raise ModelLoadError(
            f"Keras 3 refused layer {config.get('name', layer.class_name)!r} ({layer.class_name}, saved by "
            f"Keras {translation.keras_version}): {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
        ) from exc
