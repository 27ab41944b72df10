"""rnnlens: what a Keras recurrent network's output means, and why it came out that way.

The public API is re-exported here and imported lazily, so ``import rnnlens`` stays fast and never imports
TensorFlow, JAX or PyTorch by itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rnnlens.errors import (
    DataError,
    ModelLoadError,
    RnnlensError,
    ShapeError,
    TargetError,
    UnsupportedLayerError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
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

# name -> module that defines it; resolved on first access.
_LAZY: dict[str, str] = {
    "inspect_model": "rnnlens.inspection",
    "ModelSpec": "rnnlens.inspection",
    "load_model": "rnnlens.loading",
    "report": "rnnlens.report",
    "render_report": "rnnlens.report",
    "collect_report": "rnnlens.report",
    "ReportData": "rnnlens.report",
    "trace": "rnnlens.tracing",
    "trace_to_file": "rnnlens.tracing",
    "Trace": "rnnlens.tracing",
    "LayerTrace": "rnnlens.tracing",
}

__all__ = [
    "DataError",
    "ModelLoadError",
    "RnnlensError",
    "ShapeError",
    "TargetError",
    "UnsupportedLayerError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'rnnlens' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
