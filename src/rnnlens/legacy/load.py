"""Rebuild a Keras 2 ``.h5`` model as a Keras 3 model with Keras 2's exact semantics."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnlens.errors import ModelLoadError
from rnnlens.legacy.configs import Translation
from rnnlens.legacy.files import read_legacy_file, version_tuple
from rnnlens.legacy.graphs import FUNCTIONAL_CLASSES, build_functional, build_sequential
from rnnlens.legacy.provenance import LegacyProvenance, record_provenance
from rnnlens.legacy.weights import saved_bias_shapes, set_file_weights

if TYPE_CHECKING:
    import keras

__all__ = ["load_legacy_model"]


def load_legacy_model(
    path: str | os.PathLike[str], *, custom_objects: Mapping[str, Any] | None = None
) -> keras.Model:
    """Load a model saved by Keras 2 (``.h5``), exactly: Keras 2 activations and defaults are kept.

    Args:
        path: a ``.h5`` file whose ``keras_version`` attribute is 2.x (Sequential or functional model).
        custom_objects: classes and functions the file names that Keras does not define (custom layers,
            activations), by the name the file uses. A custom layer is built with ``cls.from_config`` from
            its saved config.

    Returns:
        The rebuilt ``keras.Model``; :func:`rnnlens.legacy.legacy_provenance` says which Keras version saved
        it and which Keras 2 semantics were kept.

    Raises:
        ModelLoadError: a Keras 1 or weights-only file, a layer with no Keras 3 counterpart (or a custom one
            missing from ``custom_objects``), or missing / misshapen weights; the message names the
            version and the layer.
    """
    import h5py

    file = Path(path)
    legacy = read_legacy_file(file)
    with h5py.File(file, "r") as handle:
        shapes = saved_bias_shapes(handle)
    translation = Translation(
        legacy.keras_version,
        version_tuple(legacy.keras_version),
        custom_objects=dict(custom_objects or {}),
        bias_shapes=shapes,
    )
    model_class = legacy.model_config.get("class_name")
    config = legacy.model_config.get("config")
    if model_class == "Sequential":
        model = build_sequential(config, translation)
    elif model_class in FUNCTIONAL_CLASSES and isinstance(config, dict):
        model = build_functional(config, translation)
    else:
        raise ModelLoadError(
            f"{file.name} holds a Keras {legacy.keras_version} {model_class} model; rnnlens rebuilds "
            "Keras 2 Sequential and functional (Model) models. Rebuild the model in Keras 3 code and "
            "load its weights with `model.load_weights(...)`, then pass the keras.Model object."
        )
    with h5py.File(file, "r") as handle:
        set_file_weights(model, handle, legacy.keras_version, translation.cudnn_layers)
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
