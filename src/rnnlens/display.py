"""The display seam: ``to_html(obj)`` is what every rnnlens result's ``_repr_html_`` returns.

Results call :func:`to_html` and know nothing about how they are drawn; :mod:`rnnlens.report` registers
the adapters that draw them (:mod:`rnnlens.report.adapters`). So the results never import the report, and
the report imports the results only where it needs them.

Adapters are registered either for a class (:func:`functools.singledispatch`) or for a class *path*
(``"rnnlens.tracing.result.Trace"``), which lets the report register an adapter without importing the
class's module (importing the tracing package loads a deep-learning framework). A path is resolved to its
class the first time an object of that class is displayed, and from then on dispatch is by class.

The report is a provider that registers itself: the first time an object has no adapter, the modules in
:data:`PROVIDERS` are imported, by name, once. Like a plugin entry point, that name is the only thing this
module knows about the report, so there is no import edge from here back to it.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Point:
    ...     name: str
    >>> to_html(Point("<b>"))
    '<pre class="rnnlens-plain">Point(name=&#x27;&lt;b&gt;&#x27;)</pre>'
    >>> register(Point, lambda point: f"<b>{point.name!r}</b>")
    >>> to_html(Point("p"))
    "<b>'p'</b>"
"""

from __future__ import annotations

import functools
import html
import importlib
from collections.abc import Callable
from typing import Any

from rnnlens.errors import OptionError

__all__ = ["PROVIDERS", "Dispatcher", "plain_html", "register", "to_html"]

#: Modules that register display adapters when imported; loaded by name the first time one is needed.
PROVIDERS: tuple[str, ...] = ("rnnlens.report.adapters",)


def plain_html(obj: Any) -> str:
    """The fallback view of an object no adapter draws: its ``repr``, escaped."""
    return f'<pre class="rnnlens-plain">{html.escape(repr(obj))}</pre>'


class Dispatcher:
    """:func:`functools.singledispatch` whose adapters may also be registered by class path.

    Args:
        default: called for objects whose class (and base classes) has no adapter.
    """

    def __init__(self, default: Callable[..., Any]) -> None:
        self._dispatch = functools.singledispatch(default)
        self._default = self._dispatch.dispatch(object)
        self._by_path: dict[str, Callable[..., Any]] = {}

    def register(self, cls: type | str, adapter: Callable[..., Any]) -> None:
        """Use ``adapter`` for objects of ``cls``: a class, or its path ``"package.module.Class"``."""
        if isinstance(cls, str):
            self._by_path[cls] = adapter
        elif isinstance(cls, type):
            self._dispatch.register(cls, adapter)
        else:
            raise OptionError(
                f"Argument `cls` must be a class or a class path such as 'rnnlens.tracing.result.Trace', "
                f"received {type(cls).__name__} {cls!r}."
            )

    def has_adapter(self, cls: type) -> bool:
        """True when an adapter (registered by class or by path) applies to ``cls`` or a base class."""
        self._resolve(cls)
        return self._dispatch.dispatch(cls) is not self._default

    def __call__(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        self._resolve(type(obj))
        return self._dispatch.dispatch(type(obj))(obj, *args, **kwargs)

    def _resolve(self, cls: type) -> None:
        """Turn the path registrations that name ``cls`` or a base class into class registrations."""
        if not self._by_path:
            return
        for klass in cls.__mro__:
            adapter = self._by_path.pop(f"{klass.__module__}.{klass.__qualname__}", None)
            if adapter is not None:
                self._dispatch.register(klass, adapter)


def _load_providers() -> None:
    for name in PROVIDERS:
        importlib.import_module(name)


_html = Dispatcher(plain_html)


@functools.lru_cache(maxsize=1)
def _providers_loaded() -> bool:
    _load_providers()
    return True


def to_html(obj: Any) -> str:
    """An HTML view of ``obj`` for notebooks: its registered adapter's, else an escaped ``repr``.

    Args:
        obj: any object; rnnlens results (``ModelSpec``, ``Trace``, ``AttributionResult``...) get the
            adapters :mod:`rnnlens.report` registers.

    Returns:
        HTML text, safe to embed.
    """
    if not _html.has_adapter(type(obj)):
        _providers_loaded()  # the report registers its adapters on import
    return str(_html(obj))


def register(cls: type | str, adapter: Callable[[Any], str]) -> None:
    """Draw objects of ``cls`` (a class, or its path ``"package.module.Class"``) with ``adapter(obj)``."""
    _html.register(cls, adapter)
