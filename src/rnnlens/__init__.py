"""rnnlens: what a Keras recurrent network's output means, and why it came out that way.

The public API is listed once, in the ``if TYPE_CHECKING:`` block below: type checkers read those imports,
and at run time each name is imported from its module on first access, so ``import rnnlens`` stays fast
and never imports Keras, TensorFlow, JAX or PyTorch by itself. ``rnnlens.units``, ``rnnlens.quality``
and ``rnnlens.report`` are reachable as attributes the same way.

Example:
    >>> import rnnlens
    >>> issubclass(rnnlens.ShapeError, rnnlens.RnnlensError)
    True
    >>> "trace" in dir(rnnlens)
    True
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnlens._post_import import import_when_imported
from rnnlens.errors import BackendError as BackendError
from rnnlens.errors import DataError as DataError
from rnnlens.errors import MemoryBudgetError as MemoryBudgetError
from rnnlens.errors import ModelLoadError as ModelLoadError
from rnnlens.errors import OptionError as OptionError
from rnnlens.errors import OutputError as OutputError
from rnnlens.errors import RnnlensError as RnnlensError
from rnnlens.errors import ShapeError as ShapeError
from rnnlens.errors import TargetError as TargetError
from rnnlens.errors import UnsupportedLayerError as UnsupportedLayerError

__version__ = "0.1.0"

# Keras 2's activations kept by rnnlens.legacy are registered with Keras as soon as Keras is imported (by
# anyone), so converted models load in plain Keras too; importing rnnlens still never imports Keras.
import_when_imported("keras", "rnnlens.legacy.activations")

if TYPE_CHECKING:
    from rnnlens import quality as quality
    from rnnlens import report as report
    from rnnlens import units as units
    from rnnlens.attribution import AttributionResult as AttributionResult
    from rnnlens.attribution import Baseline as Baseline
    from rnnlens.attribution import FeatureAblation as FeatureAblation
    from rnnlens.attribution import InputXGradient as InputXGradient
    from rnnlens.attribution import IntegratedGradients as IntegratedGradients
    from rnnlens.attribution import Occlusion as Occlusion
    from rnnlens.attribution import Saliency as Saliency
    from rnnlens.attribution import Target as Target
    from rnnlens.attribution import attribute as attribute
    from rnnlens.data import Dataset as Dataset
    from rnnlens.data import load_data as load_data
    from rnnlens.datasets.cmapss import load_cmapss_fd001 as load_cmapss_fd001
    from rnnlens.datasets.cmapss import load_demo_models as load_demo_models
    from rnnlens.decoding import GenerationOptions as GenerationOptions
    from rnnlens.decoding import Interpretation as Interpretation
    from rnnlens.decoding import RegressionOptions as RegressionOptions
    from rnnlens.decoding import choose_threshold as choose_threshold
    from rnnlens.decoding import decode as decode
    from rnnlens.fleet import batch as batch
    from rnnlens.inspection import ModelSpec as ModelSpec
    from rnnlens.inspection import inspect_model as inspect_model
    from rnnlens.loading import load_model as load_model
    from rnnlens.report import ReportData as ReportData
    from rnnlens.report import collect_report as collect_report
    from rnnlens.report import render_report as render_report
    from rnnlens.tracing import LayerTrace as LayerTrace
    from rnnlens.tracing import Trace as Trace
    from rnnlens.tracing import trace as trace
    from rnnlens.tracing import trace_to_file as trace_to_file
    from rnnlens.validation import PreparedInputs as PreparedInputs


def _lazy_table() -> dict[str, tuple[str, str | None]]:
    """``public name -> (module, attribute)`` read from the ``if TYPE_CHECKING:`` block of this file.

    The attribute is ``None`` for a subpackage (``from rnnlens import units as units``). Reading the
    imports that type checkers read keeps one list of the public API (the idea of Scientific Python's
    SPEC 1 lazy loading, with the stub inline).
    """
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    table: dict[str, tuple[str, str | None]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.If) and ast.unparse(statement.test) == "TYPE_CHECKING":
            for node in statement.body:
                if not isinstance(node, ast.ImportFrom) or node.module is None:
                    continue
                for alias in node.names:
                    public = alias.asname or alias.name
                    if node.module == __name__:
                        table[public] = (f"{__name__}.{alias.name}", None)
                    else:
                        table[public] = (node.module, alias.name)
    return table


_LAZY = _lazy_table()

# The errors imported above, the version, then the lazy names.
__all__ = [
    *(
        name
        for name, value in globals().items()
        if isinstance(value, type) and issubclass(value, RnnlensError)
    ),
    "__version__",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
