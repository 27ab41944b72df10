"""Custom layers and functions a model file needs: given as a mapping, or as the Python file that defines them.

A model saved with a custom layer or activation names it in its config; Keras rebuilds it only if it is given
the class or function. ``custom_objects`` is either a mapping ``{name: object}`` or the path of a Python file
(``MODULE.py``). Reading that file *runs its code*, so naming it is an explicit opt-in, like ``--unsafe``:
only pass files you trust. From the file rnnlens takes its ``CUSTOM_OBJECTS`` dict if it defines one, else
every public class and function defined in it, plus whatever it registers with
``keras.saving.register_keras_serializable`` (under the registered name, ``"package>Name"``, too).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from rnnlens.errors import ModelLoadError, OptionError

__all__ = ["CustomObjects", "read_custom_objects", "resolve_custom_objects"]

CustomObjects = Mapping[str, Any] | str | os.PathLike[str]
"""What ``custom_objects=`` accepts: a mapping ``{name: class or function}``, or a ``MODULE.py`` path."""


def resolve_custom_objects(custom_objects: CustomObjects | None) -> dict[str, Any]:
    """The ``{name: object}`` mapping Keras needs, from a mapping or from a Python file.

    Args:
        custom_objects: None, a mapping ``{name: class or function}``, or the path of a ``.py`` file (its
            code runs: trusted files only).

    Returns:
        A new dict (empty for None).

    Raises:
        OptionError: not a mapping or a path, a key that is not a string, or a path not ending in ``.py``.
        ModelLoadError: the file is missing, has a syntax error, or fails while running (file and line named).

    Example:
        >>> def wiggle(x):
        ...     return x
        >>> resolve_custom_objects({"wiggle": wiggle}) == {"wiggle": wiggle}
        True
        >>> resolve_custom_objects(None)
        {}
    """
    if custom_objects is None:
        return {}
    if isinstance(custom_objects, str | os.PathLike):
        return read_custom_objects(custom_objects)
    if not isinstance(custom_objects, Mapping):
        raise OptionError(
            "custom_objects must be a mapping {name: class or function} or the path of a Python file "
            f"(MODULE.py), received {type(custom_objects).__name__}."
        )
    bad = [key for key in custom_objects if not isinstance(key, str)]
    if bad:
        raise OptionError(
            f"custom_objects keys must be the names the model file uses (strings), received {bad[0]!r}."
        )
    return dict(custom_objects)


def read_custom_objects(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Run the Python file ``path`` and collect the custom objects it defines (see the module docstring).

    Raises:
        OptionError: the path does not end in ``.py``.
        ModelLoadError: the file is missing or unreadable, has a syntax error, or raises while running; the
            message names the file and the line.
    """
    file = Path(path)
    if file.suffix != ".py":
        raise OptionError(
            f"custom objects: expected a Python file (MODULE.py), received {str(file)!r}."
        )
    if not file.is_file():
        raise ModelLoadError(
            f"Custom objects file {str(file)!r} does not exist or is not a file. Check the path."
        )
    import keras

    registered_before = dict(keras.saving.get_custom_objects())
    module = _run_module(file)
    registered = {
        name: obj
        for name, obj in keras.saving.get_custom_objects().items()
        if registered_before.get(name) is not obj
    }
    found = _declared_objects(module, file)
    for name, obj in registered.items():
        found.setdefault(name, obj)
        found.setdefault(name.rsplit(">", 1)[-1], obj)
    return found


def _module_name(file: Path) -> str:
    """The file's stem (so a re-saved config names the user's module), unless that name is taken."""
    stem = file.stem
    if stem.isidentifier() and stem not in sys.modules:
        return stem
    return f"rnnlens_custom_objects_{abs(hash(str(file.resolve())))}"


def _run_module(file: Path) -> ModuleType:
    name = _module_name(file)
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
        raise ModelLoadError(f"Cannot read custom objects file {str(file)!r} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    # Registered before running, as `import` does: dataclasses and pickling look their module up by name.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ModelLoadError(
            f"Custom objects file {str(file)!r} has a syntax error at line {exc.lineno}: {exc.msg}. "
            "Fix the file and retry."
        ) from None
    except (Exception, SystemExit) as exc:  # the file's own code failed: name where
        sys.modules.pop(name, None)
        raise ModelLoadError(
            f"Custom objects file {str(file)!r} failed while running{_line_in(file, exc)}: "
            f"{type(exc).__name__}: {exc}. Fix the file (or install what it imports) and retry."
        ) from exc
    return module


def _line_in(file: Path, exc: BaseException) -> str:
    """`` at line N`` for the last traceback frame inside ``file`` (empty if none is)."""
    target = str(file.resolve())
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename and str(Path(frame.filename).resolve()) == target
    ]
    return f" at line {lines[-1]}" if lines else ""


def _declared_objects(module: ModuleType, file: Path) -> dict[str, Any]:
    """The file's ``CUSTOM_OBJECTS`` dict, else every public class and function defined in the file."""
    declared = getattr(module, "CUSTOM_OBJECTS", None)
    if declared is not None:
        if not isinstance(declared, Mapping) or not all(isinstance(k, str) for k in declared):
            raise ModelLoadError(
                f"Custom objects file {str(file)!r}: CUSTOM_OBJECTS must be a dict {{name: class or "
                f"function}}, received {type(declared).__name__}."
            )
        return dict(declared)
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module.__name__
    }
