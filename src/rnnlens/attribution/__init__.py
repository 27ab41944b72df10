"""Attribution: which input timesteps and features drove a chosen output.

One class per method, Captum-style (``IntegratedGradients(model).attribute(inputs, target=..., ...)``), the
convenience :func:`attribute`, and :class:`AttributionResult` with named axes.
"""

from __future__ import annotations

from rnnlens.attribution.ablation import FeatureAblation
from rnnlens.attribution.api import attribute
from rnnlens.attribution.base import Attribution
from rnnlens.attribution.baselines import Baseline
from rnnlens.attribution.expected_gradients import ExpectedGradients
from rnnlens.attribution.input_x_gradient import InputXGradient
from rnnlens.attribution.integrated_gradients import IntegratedGradients, integration_rule
from rnnlens.attribution.occlusion import Occlusion
from rnnlens.attribution.options import OptionError
from rnnlens.attribution.perturbation import Coalitions, PerturbationAttribution
from rnnlens.attribution.problem import Problem, prepare_problem
from rnnlens.attribution.registry import available_methods, get_method
from rnnlens.attribution.result import AttributionResult, save_results
from rnnlens.attribution.saliency import Saliency
from rnnlens.attribution.shapley.method import ShapleyValues
from rnnlens.attribution.targets import Target, resolve_target

__all__ = [
    "Attribution",
    "AttributionResult",
    "Baseline",
    "Coalitions",
    "ExpectedGradients",
    "FeatureAblation",
    "InputXGradient",
    "IntegratedGradients",
    "Occlusion",
    "OptionError",
    "PerturbationAttribution",
    "Problem",
    "Saliency",
    "ShapleyValues",
    "Target",
    "attribute",
    "available_methods",
    "get_method",
    "integration_rule",
    "prepare_problem",
    "resolve_target",
    "save_results",
]
