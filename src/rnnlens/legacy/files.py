"""The HDF5 attributes a Keras 1 / 2 model file carries: its version, backend and configs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnlens.errors import ModelLoadError

__all__ = [
    "LegacyFile",
    "check_h5_holds_a_model",
    "is_legacy_version",
    "read_legacy_file",
    "saved_keras_version",
]


@dataclass(frozen=True)
class LegacyFile:
    """What a Keras 2 ``.h5`` file says about itself.

    Attributes:
        keras_version: the ``keras_version`` attribute, e.g. ``"2.2.4"`` or ``"2.2.4-tf"`` (``tf.keras``).
        backend: the ``backend`` attribute (``"tensorflow"``, ``"theano"``...), or ``None``.
        model_config: the parsed ``model_config`` JSON.
        training_config: the parsed ``training_config`` JSON, or ``None`` when the model was not compiled.
    """

    keras_version: str
    backend: str | None
    model_config: dict[str, Any]
    training_config: dict[str, Any] | None

    @property
    def version(self) -> tuple[int, int]:
        """``(major, minor)`` of :attr:`keras_version`: ``"2.2.4-tf"`` -> ``(2, 2)``."""
        return version_tuple(self.keras_version)

    @property
    def is_tf_keras(self) -> bool:
        """Whether ``tf.keras`` wrote the file (a ``-tf`` version, or 2.4 and later, where Keras was tf.keras)."""
        return self.keras_version.endswith("-tf") or self.version >= (2, 4)


def version_tuple(text: str) -> tuple[int, int]:
    """``(major, minor)`` of a version string; unreadable parts count as 0.

    Example:
        >>> version_tuple("2.2.4-tf")
        (2, 2)
    """
    parts = text.split("-")[0].split(".")
    numbers = [int(part) if part.isdigit() else 0 for part in parts[:2]]
    numbers += [0] * (2 - len(numbers))
    return numbers[0], numbers[1]


def is_legacy_version(version: str | None) -> bool:
    """Whether a ``keras_version`` attribute names Keras 1 or 2 (a file rnnlens.legacy reads or refuses)."""
    return version is not None and version.split(".")[0] in ("1", "2")


def saved_keras_version(path: str | Path) -> str | None:
    """The ``keras_version`` attribute of an HDF5 model file, or ``None`` when it has none."""
    import h5py

    with h5py.File(path, "r") as handle:
        return _text(handle.attrs.get("keras_version"))


def check_h5_holds_a_model(path: str | Path) -> None:
    """Refuse an HDF5 file without a ``model_config``, saying what it is instead.

    Raises:
        ModelLoadError: a Keras 1 / 2 weights-only file (naming its version), a Keras 3 weights file, or an
            HDF5 file that is neither a Keras 2 nor a Keras 3 model.
    """
    import h5py

    name = Path(path).name
    with h5py.File(path, "r") as handle:
        if "model_config" in handle.attrs:
            return
        version = _text(handle.attrs.get("keras_version"))
        contents = sorted(handle.keys())
    if version is not None:
        raise ModelLoadError(_weights_only(name, version))
    if {"layers", "vars"} <= set(contents):
        raise ModelLoadError(
            f"{name} is a Keras 3 weights file (`model.save_weights`), not a model: it holds no "
            "architecture. Build the model in code, call `model.load_weights(...)`, and pass the "
            "keras.Model object."
        )
    shown = ", ".join(contents[:5]) + (", ..." if len(contents) > 5 else "")
    raise ModelLoadError(
        f"{name} is an HDF5 file but neither a Keras 2 nor a Keras 3 model: it has no model_config "
        f"attribute and no keras_version (it holds: {shown or 'nothing'}). Pass a file written by "
        "`model.save(...)`."
    )


def _weights_only(name: str, version: str) -> str:
    return (
        f"{name} (saved by Keras {version}) holds no model_config: it is a weights-only file. Build the "
        "model in code, call `load_weights`, and pass the keras.Model object."
    )


def read_legacy_file(path: str | Path) -> LegacyFile:
    """Read a Keras 2 ``.h5`` file's attributes.

    Raises:
        ModelLoadError: the file was saved by Keras 1, or has no readable ``model_config`` (weights only).
    """
    import h5py

    name = Path(path).name
    with h5py.File(path, "r") as handle:
        version = _text(handle.attrs.get("keras_version")) or "unknown"
        backend = _text(handle.attrs.get("backend"))
        raw_model = _text(handle.attrs.get("model_config"))
        raw_training = _text(handle.attrs.get("training_config"))
    if version.startswith("1."):
        raise ModelLoadError(
            f"{name} was saved by Keras {version} (Keras 1), whose layer configs rnnlens cannot rebuild. "
            "Load it with Keras 2 and re-save it (`model.save('model.h5')`), then load that file."
        )
    if raw_model is None:
        raise ModelLoadError(_weights_only(name, version))
    try:
        model_config = json.loads(raw_model)
        training_config = json.loads(raw_training) if raw_training is not None else None
    except json.JSONDecodeError as exc:
        raise ModelLoadError(
            f"{name} (saved by Keras {version}) has a model_config that is not valid JSON ({exc.msg})."
        ) from exc
    if not isinstance(model_config, dict) or "class_name" not in model_config:
        raise ModelLoadError(
            f"{name} (saved by Keras {version}): its model_config is not a Keras model config "
            "(no class_name)."
        )
    return LegacyFile(version, backend, model_config, training_config)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)
