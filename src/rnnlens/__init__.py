"""rnnlens: what a Keras recurrent network's output means, and why it came out that way.

The public API is re-exported here and imported lazily, so ``import rnnlens`` stays fast and never imports
TensorFlow, JAX or PyTorch by itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rnnlens.errors import (
    DataError,
    MemoryBudgetError,
    ModelLoadError,
    OptionError,
    RnnlensError,
    ShapeError,
    TargetError,
    UnsupportedLayerError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
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
    from rnnlens.decoding import Interpretation as Interpretation
    from rnnlens.decoding import choose_threshold as choose_threshold
    from rnnlens.decoding import decode as decode
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
    "AttributionResult": "rnnlens.attribution",
    "Baseline": "rnnlens.attribution",
    "FeatureAblation": "rnnlens.attribution",
    "InputXGradient": "rnnlens.attribution",
    "IntegratedGradients": "rnnlens.attribution",
    "Occlusion": "rnnlens.attribution",
    "Saliency": "rnnlens.attribution",
    "Target": "rnnlens.attribution",
    "attribute": "rnnlens.attribution",
    "inspect_model": "rnnlens.inspection",
    "ModelSpec": "rnnlens.inspection",
    "load_model": "rnnlens.loading",
    "report": "rnnlens.report",
    "render_report": "rnnlens.report",
    "collect_report": "rnnlens.report",
    "ReportData": "rnnlens.report",
    "load_data": "rnnlens.data",
    "Dataset": "rnnlens.data",
    "decode": "rnnlens.decoding",
    "Interpretation": "rnnlens.decoding",
    "choose_threshold": "rnnlens.decoding",
    "trace": "rnnlens.tracing",
    "trace_to_file": "rnnlens.tracing",
    "Trace": "rnnlens.tracing",
    "LayerTrace": "rnnlens.tracing",
    "load_cmapss_fd001": "rnnlens.datasets.cmapss",
    "load_demo_models": "rnnlens.datasets.cmapss",
}

__all__ = [
    "DataError",
    "MemoryBudgetError",
    "ModelLoadError",
    "OptionError",
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
