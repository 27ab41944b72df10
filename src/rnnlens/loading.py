"""Load Keras models from disk, safely, with errors a user can act on."""

from __future__ import annotations

import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnlens.errors import ModelLoadError

if TYPE_CHECKING:
    import keras

__all__ = ["ModelSource", "ensure_model", "load_model", "saved_loss"]

_SUFFIXES = (".keras", ".h5", ".hdf5")


class ModelSource(str):
    """A model path; kept as a distinct type so signatures read well."""


def load_model(path: str | os.PathLike[str], *, safe_mode: bool = True) -> keras.Model:
    """Load a ``.keras`` or ``.h5`` model file without compiling it.

    Args:
        path: the model file.
        safe_mode: keep Keras safe mode on (the default). Turning it off lets a file run arbitrary code
            (``Lambda`` layers): only do so for files you trust.

    Returns:
        The ``keras.Model``. The loss the file was compiled with, if any, is available from
        :func:`saved_loss`.

    Raises:
        ModelLoadError: the file is missing, not a Keras model, corrupt, holds a ``Lambda`` layer under safe
            mode, or names a custom layer that is not registered.

    Example:
        >>> model = load_model("forecaster.keras")  # doctest: +SKIP
    """
    file = Path(path)
    if not file.exists():
        raise ModelLoadError(f"Model file {str(file)!r} does not exist. Check the path.")
    if file.is_dir():
        raise ModelLoadError(
            f"{str(file)!r} is a directory. rnnlens reads `.keras` or `.h5` model files; "
            "re-save a SavedModel directory with `model.save('model.keras')`."
        )
    suffix = file.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ModelLoadError(
            f"{str(file)!r} is not a Keras model file: expected a name ending in .keras or .h5, "
            f"received {suffix or 'no suffix'!r}."
        )
    _check_container(file, suffix)
    if not safe_mode:
        warnings.warn(
            f"Loading {file.name} with Keras safe mode OFF: the file may run arbitrary Python code.",
            UserWarning,
            stacklevel=2,
        )
    import keras

    try:
        if suffix == ".keras":
            model = keras.models.load_model(file, compile=False, safe_mode=safe_mode)
        else:
            # Legacy HDF5 has no safe mode; Keras still refuses Lambda bytecode unless asked.
            with keras.config.enable_unsafe_deserialization() if not safe_mode else _null():
                model = keras.models.load_model(file, compile=False, safe_mode=safe_mode)
    except ModelLoadError:
        raise
    except Exception as exc:  # Keras raises many types here; each becomes one clear message.
        raise ModelLoadError(_explain_load_failure(file, exc)) from exc
    if not isinstance(model, keras.Model):
        raise ModelLoadError(f"{str(file)!r} holds a {type(model).__name__}, not a Keras model.")
    loss = _read_saved_loss(file, suffix)
    if loss is not None:
        model._rnnlens_saved_loss = loss  # type: ignore[attr-defined]
    return model


def ensure_model(model_or_path: Any, *, safe_mode: bool = True) -> keras.Model:
    """Return ``model_or_path`` if it is a Keras model, else load it from the path."""
    if isinstance(model_or_path, str | os.PathLike):
        return load_model(model_or_path, safe_mode=safe_mode)
    import keras

    if isinstance(model_or_path, keras.Model):
        return model_or_path
    raise ModelLoadError(
        "Expected a keras.Model or the path of a .keras / .h5 file, "
        f"received {type(model_or_path).__name__}."
    )


def saved_loss(model: Any) -> Any:
    """The loss a model was compiled with: from ``model.loss`` or, for loaded files, the file's config."""
    loss = getattr(model, "loss", None)
    if loss is None:
        loss = getattr(model, "_rnnlens_saved_loss", None)
    return loss


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _check_container(file: Path, suffix: str) -> None:
    if suffix == ".keras":
        if not zipfile.is_zipfile(file):
            raise ModelLoadError(
                f"{str(file)!r} is not a valid .keras archive (it is not a zip file): the file is corrupt "
                "or truncated. Re-save the model with `model.save(...)`."
            )
        try:
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ModelLoadError(f"{str(file)!r} is a corrupt .keras archive ({exc}).") from exc
        if bad is not None:
            raise ModelLoadError(
                f"{str(file)!r} is a corrupt .keras archive: member {bad!r} is damaged."
            )
        if "config.json" not in names:
            raise ModelLoadError(
                f"{str(file)!r} is a zip file but not a Keras model: it has no config.json."
            )
    else:
        with open(file, "rb") as handle:
            signature = handle.read(8)
        if signature != b"\x89HDF\r\n\x1a\n":
            raise ModelLoadError(
                f"{str(file)!r} is not an HDF5 file (bad signature): it is corrupt or not a Keras model."
            )


def _explain_load_failure(file: Path, exc: Exception) -> str:
    text = str(exc)
    if "Lambda" in text and ("safe_mode" in text or "unsafe" in text.lower()):
        return (
            f"{file.name} contains a Lambda layer, whose Python code Keras will not run in safe mode. "
            "If you trust this file, pass --unsafe (CLI) or safe_mode=False (Python)."
        )
    if "Unknown layer" in text or "Could not locate class" in text or "not a KerasSaveable" in text:
        return (
            f"{file.name} uses a custom layer or object that is not registered: {_first_line(text)} "
            "Import the module that defines it (decorated with "
            "@keras.saving.register_keras_serializable()) before loading, or load the model yourself "
            "and pass the keras.Model object."
        )
    return f"Could not load {file.name} as a Keras model: {_first_line(text)}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return line if len(line) < 400 else line[:400] + "..."


def _read_saved_loss(file: Path, suffix: str) -> Any:
    """Read the compiled loss from the file's own training config (``compile=False`` skips it)."""
    try:
        if suffix == ".keras":
            with zipfile.ZipFile(file) as archive:
                config = json.loads(archive.read("config.json"))
            compile_config = config.get("compile_config") or {}
            return _plain_loss(compile_config.get("loss"))
        import h5py

        with h5py.File(file, "r") as handle:
            raw = handle.attrs.get("training_config")
        if raw is None:
            return None
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        return _plain_loss(json.loads(raw).get("loss"))
    except Exception:  # The loss is a hint; an unreadable one must not block loading.
        return None


def _plain_loss(loss: Any) -> Any:
    """Reduce a serialised loss to a name (or a list / dict of names)."""
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        if "class_name" in loss:
            config = loss.get("config")
            if isinstance(config, dict) and isinstance(config.get("name"), str):
                return config["name"]
            return loss["class_name"]
        return {key: _plain_loss(value) for key, value in loss.items()}
    if isinstance(loss, list | tuple):
        return [_plain_loss(item) for item in loss]
    return str(loss)
