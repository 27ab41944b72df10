"""One translated Keras 2 layer instantiated as a Keras 3 layer (a Keras class, or a user's custom class)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rnnlens.errors import ModelLoadError
from rnnlens.legacy.configs import TranslatedLayer, Translation, translate_layer

if TYPE_CHECKING:
    import keras

__all__ = ["build_layer"]


def build_layer(layer: dict[str, Any], translation: Translation) -> keras.layers.Layer:
    """Translate a serialised Keras 2 layer ``{"class_name", "config"}`` and build it.

    Returns:
        The Keras 3 layer (not built: its weights are created when it is called on an input). Layers the
        file saved as ``CuDNNLSTM`` / ``CuDNNGRU`` are recorded in ``translation.cudnn_layers``.

    Raises:
        ModelLoadError: the layer cannot be translated, or Keras 3 (or a custom class) refuses its config.
    """
    translated = translate_layer(layer, translation)
    built = _instantiate(translated, translation)
    if translated.cudnn_layers:
        translation.cudnn_layers[built.name] = translated.cudnn_layers[0]
    return built


def _instantiate(layer: TranslatedLayer, translation: Translation) -> keras.layers.Layer:
    import keras

    config = {
        key: _instantiate(value, translation) if isinstance(value, TranslatedLayer) else value
        for key, value in layer.config.items()
    }
    name = config.get("name", layer.class_name)
    try:
        if layer.custom:
            cls = translation.custom_objects[layer.class_name]
            with keras.saving.custom_object_scope(dict(translation.custom_objects)):
                return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
        return getattr(keras.layers, layer.class_name)(**config)
    except (
        Exception
    ) as exc:  # Keras and custom classes raise TypeError / ValueError on refused configs
        origin = "the custom class" if layer.custom else "Keras 3"
        raise ModelLoadError(
            f"{origin} refused layer {name!r} ({layer.class_name}, saved by Keras "
            f"{translation.keras_version}): {_first_line(exc)}"
        ) from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)
