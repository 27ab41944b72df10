"""Run a registration when a module is imported, without importing it: a post-import hook.

``import rnnlens`` must not import Keras, yet Keras must know rnnlens's registered functions (Keras 2's
``hard_sigmoid``) whenever a converted model is loaded, also with plain ``keras.saving.load_model``. So the
registration waits for ``keras``: at once if it is already imported, else right after its import finishes.
This is what ``wrapt.register_post_import_hook`` does; ``wrapt`` 2 imports asyncio, which would add about
70 ms to ``import rnnlens`` (measured: 75 ms against 18 ms for rnnlens itself), hence these few lines.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import importlib.machinery
    from collections.abc import Sequence
    from types import ModuleType

__all__ = ["import_when_imported"]

# module name -> modules to import once it is imported
_PENDING: dict[str, list[str]] = {}


def import_when_imported(trigger: str, module: str) -> None:
    """Import ``module`` as soon as ``trigger`` has been imported (now, if it already is).

    Example:
        >>> import_when_imported("json", "rnnlens.errors")  # json is imported: runs at once
    """
    if trigger in sys.modules:
        _import_quietly(module, trigger)
        return
    _PENDING.setdefault(trigger, []).append(module)
    if not any(isinstance(finder, _PostImportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PostImportFinder())


def _import_quietly(module: str, trigger: str) -> None:
    # A failed registration must never break the user's own `import keras`.
    try:
        importlib.import_module(module)
    except Exception as exc:
        warnings.warn(
            f"rnnlens could not register {module} after {trigger} was imported: {exc}",
            RuntimeWarning,
            stacklevel=3,
        )


# Plain classes rather than importlib.abc subclasses: importing importlib.abc costs ~7 ms.
class _PostImportFinder:
    """A meta path finder: finds a pending trigger module through the other finders, wraps its loader."""

    def __init__(self) -> None:
        self._finding: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _PENDING or fullname in self._finding:
            return None
        self._finding.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._finding.discard(fullname)
        if spec is None or spec.loader is None:
            return None
        # A Loader by protocol (create_module / exec_module), not by subclassing importlib.abc.Loader.
        spec.loader = cast("Any", _RegisteringLoader(spec.loader, fullname))
        return spec


class _RegisteringLoader:
    """Delegates to the real loader, then imports the modules waiting for this one."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        for waiting in _PENDING.pop(self._name, []):
            _import_quietly(waiting, self._name)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, get_code...
        return getattr(self._loader, name)
