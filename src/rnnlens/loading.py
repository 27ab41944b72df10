"""Load Keras models from disk, safely, with errors a user can act on."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import warnings
import weakref
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnlens.errors import ModelLoadError

if TYPE_CHECKING:
    import keras

    from rnnlens.custom_objects import CustomObjects

__all__ = ["ModelSource", "ensure_model", "load_model", "read_saved_config", "saved_loss"]

_SUFFIXES = (".keras", ".h5", ".hdf5")


class ModelSource(str):
    """A model path; kept as a distinct type so signatures read well."""


def load_model(
    path: str | os.PathLike[str],
    *,
    safe_mode: bool = True,
    custom_objects: CustomObjects | None = None,
) -> keras.Model:
    """Load a ``.keras`` or ``.h5`` model file without compiling it.

    Args:
        path: the model file.
        safe_mode: keep Keras safe mode on (the default). Turning it off lets a file run arbitrary code
            (``Lambda`` layers): only do so for files you trust.
        custom_objects: the custom layers and functions the file names: a mapping ``{name: class or
            function}``, or the path of a Python file defining them (``MODULE.py``; its code runs, so pass
            trusted files only). See :mod:`rnnlens.custom_objects`. Safe mode stays as ``safe_mode`` says.

    Returns:
        The ``keras.Model``. The loss the file was compiled with, if any, is available from
        :func:`saved_loss`. A ``.h5`` file saved by Keras 2 is rebuilt by :mod:`rnnlens.legacy` with Keras 2's
        semantics kept (see :func:`rnnlens.legacy.legacy_provenance`).

    Raises:
        ModelLoadError: the file is missing, not a Keras model, corrupt, holds a ``Lambda`` layer under safe
            mode, or names a custom layer or function that is neither registered nor in ``custom_objects``
            (the message names it); a ``custom_objects`` file is missing or fails to run.
        OptionError: ``custom_objects`` is neither a mapping nor a ``.py`` path.

    Example:
        >>> model.save(folder / "tiny.keras")
        >>> load_model(folder / "tiny.keras").name
        'tiny'
    """
    file = Path(path)
    suffix = _check_path(file)
    _check_container(file, suffix)
    if not safe_mode:
        warnings.warn(
            f"Loading {file.name} with Keras safe mode OFF: the file may run arbitrary Python code.",
            UserWarning,
            stacklevel=2,
        )
    import keras

    from rnnlens.custom_objects import resolve_custom_objects

    objects = resolve_custom_objects(custom_objects)
    try:
        if suffix != ".keras" and _saved_by_keras_1_or_2(file):
            model = _load_legacy(file, objects)
        else:
            with _safe_mode_scope(safe_mode):
                model = keras.models.load_model(
                    file, compile=False, safe_mode=safe_mode, custom_objects=objects or None
                )
    except ModelLoadError:
        raise
    except Exception as exc:  # Keras raises many types here; each becomes one clear message.
        raise ModelLoadError(_explain_load_failure(file, exc, objects)) from exc
    if not isinstance(model, keras.Model):
        raise ModelLoadError(f"{str(file)!r} holds a {type(model).__name__}, not a Keras model.")
    loss = _read_saved_loss(file, suffix)
    if loss is not None:
        _SAVED_LOSSES[model] = loss
    return model


def ensure_model(
    model_or_path: Any, *, safe_mode: bool = True, custom_objects: CustomObjects | None = None
) -> keras.Model:
    """Return ``model_or_path`` if it is a Keras model, else load it from the path (see :func:`load_model`)."""
    if isinstance(model_or_path, str | os.PathLike):
        return load_model(model_or_path, safe_mode=safe_mode, custom_objects=custom_objects)
    import keras

    if isinstance(model_or_path, keras.Model):
        return model_or_path
    raise ModelLoadError(
        "Expected a keras.Model or the path of a .keras / .h5 file, "
        f"received {type(model_or_path).__name__}."
    )


def read_saved_config(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Any] | None:
    """A ``.keras`` file's architecture and compiled loss, read without Keras: ``(config, loss)``.

    The file gets the same checks as :func:`load_model` (so a bad file fails the same way); nothing is
    built and no backend is imported. Returns None for ``.h5`` files, whose configs only Keras (or
    :mod:`rnnlens.legacy`) reads, and for archives without weights.

    Raises:
        ModelLoadError: the file is missing, corrupt or not a Keras model.
    """
    file = Path(path)
    suffix = _check_path(file)
    _check_container(file, suffix)
    if suffix != ".keras":
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            if "model.weights.h5" not in archive.namelist():
                return None
            config = json.loads(archive.read("config.json"))
    except (ValueError, OSError, zipfile.BadZipFile):
        return None  # let Keras say what is wrong with it
    if not isinstance(config, dict):
        return None
    return config, _read_saved_loss(file, suffix)


def saved_loss(model: Any) -> Any:
    """The loss a model was compiled with: from ``model.loss`` or, for loaded files, the file's config."""
    loss = getattr(model, "loss", None)
    if loss is None:
        try:
            loss = _SAVED_LOSSES.get(model)
        except TypeError:  # not weakly referenceable: it was not loaded by rnnlens
            loss = None
    return loss


# The loss each file was compiled with (``compile=False`` drops it), kept beside the model rather than written
# onto it; plain names and flags only, so an entry never keeps its model alive.
_SAVED_LOSSES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

# A real config is a few hundred kB; a model's weights may be large, but never larger than the file allows.
MAX_CONFIG_BYTES = 64 * 2**20
MAX_INFLATION_RATIO = 1000


@contextlib.contextmanager
def _safe_mode_scope(safe_mode: bool) -> Iterator[None]:
    """Hold Keras's process-wide safe-mode flag at ``safe_mode`` for one load, and restore it in all cases.

    ``keras.config.enable_unsafe_deserialization()`` flips the flag for the whole process and is not a context
    manager; Keras's own ``SafeModeScope`` restores the previous value on exit, even when loading fails, so an
    unsafe load can never leave later (safe) loads unprotected.
    """
    from rnnlens._keras import safe_mode_scope

    with safe_mode_scope(safe_mode):
        yield


def _check_path(file: Path) -> str:
    """Refuse anything but an existing regular file with a model suffix; return the suffix."""
    try:
        info = file.stat()
    except FileNotFoundError:
        raise ModelLoadError(f"Model file {str(file)!r} does not exist. Check the path.") from None
    except OSError as exc:
        raise ModelLoadError(f"Cannot read model file {str(file)!r}: {exc.strerror}.") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ModelLoadError(
            f"{str(file)!r} is a directory. rnnlens reads `.keras` or `.h5` model files; "
            "re-save a SavedModel directory with `model.save('model.keras')`."
        )
    if not stat.S_ISREG(info.st_mode):
        raise ModelLoadError(
            f"{str(file)!r} is not a regular file (a device, FIFO or socket); rnnlens reads model files "
            "only. Save the model to a file first."
        )
    suffix = file.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ModelLoadError(
            f"{str(file)!r} is not a Keras model file: expected a name ending in .keras or .h5, "
            f"received {suffix or 'no suffix'!r}."
        )
    if not os.access(file, os.R_OK):
        raise ModelLoadError(f"Cannot read model file {str(file)!r}: permission denied.")
    return suffix


def _check_container(file: Path, suffix: str) -> None:
    if suffix == ".keras":
        _check_archive(file)
    else:
        _check_hdf5(file)


def _check_archive(file: Path) -> None:
    """A .keras file is a zip: check it is whole and that no member inflates beyond reason, before inflating."""
    if not zipfile.is_zipfile(file):
        raise ModelLoadError(
            f"{str(file)!r} is not a valid .keras archive (it is not a zip file): the file is corrupt "
            "or truncated. Re-save the model with `model.save(...)`."
        )
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            _check_member_sizes(file, members)
            bad = archive.testzip()
    except ModelLoadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ModelLoadError(f"{str(file)!r} is a corrupt .keras archive ({exc}).") from exc
    if bad is not None:
        raise ModelLoadError(
            f"{str(file)!r} is a corrupt .keras archive: member {bad!r} is damaged."
        )
    if "config.json" not in {member.filename for member in members}:
        raise ModelLoadError(
            f"{str(file)!r} is a zip file but not a Keras model: it has no config.json."
        )


def _check_member_sizes(file: Path, members: list[zipfile.ZipInfo]) -> None:
    # zipfile stops inflating a member at its declared size (and fails the CRC if the data runs on), so the
    # declared sizes bound the memory a load can take.
    for member in members:
        if member.filename.endswith(".json") and member.file_size > MAX_CONFIG_BYTES:
            raise ModelLoadError(
                f"{str(file)!r}: member {member.filename!r} inflates to {member.file_size:,} bytes, more than "
                f"the {MAX_CONFIG_BYTES:,} a Keras model config can reasonably need. The file is corrupt "
                "or hostile; refusing to load it."
            )
        if member.file_size > 2**20 and member.file_size > MAX_INFLATION_RATIO * max(
            member.compress_size, 1
        ):
            raise ModelLoadError(
                f"{str(file)!r}: member {member.filename!r} inflates {member.file_size / max(member.compress_size, 1):,.0f}-"
                f"fold (to {member.file_size:,} bytes), far beyond real model weights. The file is a zip "
                "bomb or corrupt; refusing to load it."
            )


def _check_hdf5(file: Path) -> None:
    with open(file, "rb") as handle:
        signature = handle.read(8)
    if signature != b"\x89HDF\r\n\x1a\n":
        raise ModelLoadError(
            f"{str(file)!r} is not an HDF5 file (bad signature): it is corrupt or not a Keras model."
        )
    import h5py

    try:
        # HDF5 attributes are stored uncompressed, so reading one costs no more memory than the file's
        # size; the limit spares Keras from parsing a hostile multi-gigabyte JSON config.
        with h5py.File(file, "r") as handle:
            for key in ("model_config", "training_config"):
                if key in handle.attrs:
                    size = len(handle.attrs[key])
                    if size > MAX_CONFIG_BYTES:
                        raise ModelLoadError(
                            f"{str(file)!r}: its {key} is {size:,} bytes, more than the "
                            f"{MAX_CONFIG_BYTES:,} a Keras model config can reasonably need. The file is "
                            "corrupt or hostile; refusing to load it."
                        )
    except ModelLoadError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, RuntimeError... on damaged files
        raise ModelLoadError(
            f"{str(file)!r} is a damaged HDF5 file ({_first_line(str(exc))})."
        ) from exc


def _saved_by_keras_1_or_2(file: Path) -> bool:
    """Whether an HDF5 file's ``keras_version`` names Keras 1 or 2: rnnlens.legacy reads (or refuses) it."""
    from rnnlens.legacy.files import check_h5_holds_a_model, is_legacy_version, saved_keras_version

    check_h5_holds_a_model(file)
    return is_legacy_version(saved_keras_version(file))


def _load_legacy(file: Path, objects: dict[str, Any]) -> keras.Model:
    """A Keras 1/2 ``.h5`` file, through :mod:`rnnlens.legacy`, with the custom objects given."""
    from rnnlens.legacy import load_legacy_model

    return load_legacy_model(file, custom_objects=objects or None)


# What Keras says when a config names a class or function it cannot find: "Could not locate class 'X'"
# (.keras files and h5 functions, also for registered names "package>X") and "Unknown layer: 'X'" (h5 layers).
_MISSING_OBJECT = re.compile(
    r"Could not locate (?P<kind>class|function) '(?P<name>[^']+)'"
    r"|Unknown (?P<kind2>[\w ]+?): '?(?P<name2>[\w>.]+)'?"
)

_REGISTERED_NAME = re.compile(r"'registered_name': '([^']+)'")


def _missing_object(exc: BaseException) -> tuple[str, str] | None:
    """``(kind, name)`` of the custom object Keras could not find, from the error or the errors it wraps."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # The innermost mention is the object itself; outer ones name the layers that contain it.
        matches = list(_MISSING_OBJECT.finditer(str(current)))
        if matches:
            last = matches[-1]
            kind = last.group("kind") or last.group("kind2")
            name = last.group("name") or last.group("name2")
            # Keras names the class; its config says under which package it was registered, if any.
            registered = _REGISTERED_NAME.search(str(current), last.end())
            if registered and registered.group(1).endswith(">" + name):
                name = registered.group(1)
            return ("layer" if kind in ("class", "layer") else kind), name
        current = current.__cause__ or current.__context__
    return None


def _explain_load_failure(
    file: Path, exc: Exception, objects: Mapping[str, Any] | None = None
) -> str:
    text = str(exc)
    if "Lambda" in text and ("safe_mode" in text or "unsafe" in text.lower()):
        return (
            f"{file.name} contains a Lambda layer, whose Python code Keras will not run in safe mode. "
            "If you trust this file, pass --unsafe (CLI) or safe_mode=False (Python)."
        )
    missing = _missing_object(exc)
    if missing is not None or "not a KerasSaveable" in text:
        if missing is None:
            what = f"a custom layer or object ({_first_line(text)})"
        else:
            kind, name = missing
            what = f"a custom {kind} {name!r}"
            if ">" in name:
                what += (
                    " (the name @keras.saving.register_keras_serializable("
                    f"package={name.split('>')[0]!r}) gave it)"
                )
        given = (
            f" The custom objects given ({', '.join(sorted(objects))}) do not include it."
            if objects
            else ""
        )
        return (
            f"{file.name} uses {what} that is not registered.{given} "
            "Give the Python file that defines it with --custom-objects MODULE.py (CLI) or "
            "custom_objects= (Python: a dict {name: object} or the file's path); the file's code runs, "
            "so only for code you trust."
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
    """Reduce a serialised loss to what inspection reads (or a list / dict of those, one per output).

    A name stays a name. A serialised ``keras.losses.Loss`` keeps its class, its ``name`` and its
    ``from_logits``: without that flag a linear head trained on logits would read as a regression.
    """
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        if "class_name" in loss:
            return _loss_essentials(loss)
        return {key: _plain_loss(value) for key, value in loss.items()}
    if isinstance(loss, list | tuple):
        return [_plain_loss(item) for item in loss]
    return str(loss)


def _loss_essentials(loss: dict[str, Any]) -> dict[str, Any]:
    """``{"class_name", "config": {"name", "from_logits"}}`` of a serialised loss; the rest is dropped."""
    config = loss.get("config")
    config = config if isinstance(config, dict) else {}
    kept: dict[str, Any] = {}
    if isinstance(config.get("name"), str):
        kept["name"] = config["name"]
    if "from_logits" in config:
        kept["from_logits"] = bool(config["from_logits"])
    return {"class_name": str(loss["class_name"]), "config": kept}
