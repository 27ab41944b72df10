"""The attribution methods rnnlens knows: one table drives the CLI choices and the contract tests.

The table is plain data (no framework import), so the CLI can list methods without loading Keras.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnnlens.attribution.options import OptionError

if TYPE_CHECKING:
    from rnnlens.attribution.base import Attribution

__all__ = ["METHODS", "MethodInfo", "available_methods", "get_method", "method_info"]


@dataclass(frozen=True)
class MethodInfo:
    """One registered method.

    ``kind`` is ``"gradient"`` or ``"perturbation"``; ``completeness`` says whether attributions sum to
    ``F(x) - F(baseline)`` (so a completeness gap is reported); ``baselines`` whether it takes baselines.
    """

    name: str
    module: str
    class_name: str
    aliases: tuple[str, ...]
    kind: str
    completeness: bool
    baselines: bool
    summary: str

    def load(self) -> type[Attribution]:
        """Import and return the method's class."""
        cls: type[Attribution] = getattr(importlib.import_module(self.module), self.class_name)
        return cls


METHODS: tuple[MethodInfo, ...] = (
    MethodInfo(
        "integrated_gradients",
        "rnnlens.attribution.integrated_gradients",
        "IntegratedGradients",
        ("ig",),
        "gradient",
        True,
        True,
        "Path integral of gradients from a baseline; sums to F(x) - F(baseline).",
    ),
    MethodInfo(
        "saliency",
        "rnnlens.attribution.saliency",
        "Saliency",
        ("gradient",),
        "gradient",
        False,
        False,
        "The gradient at the input (absolute value by default).",
    ),
    MethodInfo(
        "input_x_gradient",
        "rnnlens.attribution.input_x_gradient",
        "InputXGradient",
        ("ixg", "gradient_x_input", "input_x_grad"),
        "gradient",
        False,
        False,
        "Input times gradient.",
    ),
    MethodInfo(
        "occlusion",
        "rnnlens.attribution.occlusion",
        "Occlusion",
        (),
        "perturbation",
        False,
        True,
        "Drop of the target when sliding windows over time x features are replaced by the baseline.",
    ),
    MethodInfo(
        "feature_ablation",
        "rnnlens.attribution.ablation",
        "FeatureAblation",
        ("ablation", "time_ablation"),
        "perturbation",
        False,
        True,
        "Drop of the target when each time step / feature / group is replaced by the baseline.",
    ),
)


def available_methods() -> tuple[str, ...]:
    """The canonical method names, in registry order."""
    return tuple(info.name for info in METHODS)


def method_info(name: str) -> MethodInfo:
    """Look a method up by name or alias (case and ``-`` / ``_`` insensitive).

    Raises:
        OptionError: no such method; the message lists the available ones.
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    for info in METHODS:
        if key == info.name or key in info.aliases:
            return info
    choices = ", ".join(
        f"{i.name} ({', '.join(i.aliases)})" if i.aliases else i.name for i in METHODS
    )
    raise OptionError(f"Unknown attribution method {name!r}; available: {choices}.")


def get_method(name: str) -> type[Attribution]:
    """The method class for ``name`` or an alias, e.g. ``get_method("ig") is IntegratedGradients``."""
    return method_info(name).load()
