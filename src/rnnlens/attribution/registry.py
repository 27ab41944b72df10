"""The attribution methods rnnlens knows: one table drives the CLI (choices, help, flags and routing of
method options) and the contract tests.

The table is plain data (no framework import), so the CLI can list methods without loading Keras. A new
method adds one ``MethodInfo`` here, with its options; the CLI commands pick it up unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rnnlens.attribution.options import (
    MAX_N_STEPS,
    OptionError,
    check_ablation_groups,
    check_integration,
    check_n_steps,
    check_positive_int,
    parse_pair,
)
from rnnlens.attribution.shapley_options import (
    DEFAULT_MAX_EVALUATIONS,
    DEFAULT_TOLERANCE,
    check_estimator,
    check_exact,
    check_players,
    check_prune,
    check_tolerance,
    check_window,
)

if TYPE_CHECKING:
    from rnnlens.attribution.base import Attribution

__all__ = [
    "DEFAULT_N_STEPS",
    "MAX_BACKGROUND_SAMPLES",
    "METHODS",
    "MethodInfo",
    "MethodOption",
    "available_methods",
    "describe_methods",
    "get_method",
    "method_info",
]

# The one default of integrated gradients' quadrature points, for the library and every CLI command.
DEFAULT_N_STEPS = 50
# Expected gradients: each draw costs n_steps evaluations per row; beyond this the mean barely moves.
MAX_BACKGROUND_SAMPLES = 1024


@dataclass(frozen=True)
class MethodOption:
    """One option of a method, declared once: the keyword of ``attribute()`` and its CLI flag.

    Attributes:
        name: the keyword argument of :func:`rnnlens.attribute`, e.g. ``n_steps`` (``integration`` for
            integrated gradients' quadrature rule, its class's ``method=``).
        flag: the CLI flag, e.g. ``--steps``; flags name their method where a bare word would clash
            (``--occlusion-window``, not ``--window``, which reads tables elsewhere).
        type: how the CLI reads the flag (``int`` or ``str``).
        default: the value when the flag is not given (the method's own default).
        help: the flag's help text.
        check: ``check(value, flag)`` returns the value ``attribute()`` takes, or raises
            :class:`OptionError` naming ``flag``.
        deprecated_flags: old spellings that keep working, hidden, with a deprecation warning.
    """

    name: str
    flag: str
    type: type
    default: Any
    help: str
    check: Callable[[Any, str], Any]
    deprecated_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodInfo:
    """One registered method.

    ``kind`` is ``"gradient"`` or ``"perturbation"``; ``completeness`` says whether attributions sum to
    ``F(x) - F(baseline)`` (so a completeness gap is reported); ``baselines`` whether it takes baselines.
    Every method takes ``background=`` (reference data) through :func:`rnnlens.attribute`: ``background``
    True means the method reads the data itself (expected gradients draws its baselines from it); methods
    with ``baselines`` and not ``background`` get its per-feature mean as their baseline.
    """

    name: str
    module: str
    class_name: str
    aliases: tuple[str, ...]
    kind: str
    completeness: bool
    baselines: bool
    summary: str
    options: tuple[MethodOption, ...] = ()
    background: bool = False

    def load(self) -> type[Attribution]:
        """Import and return the method's class."""
        cls: type[Attribution] = getattr(importlib.import_module(self.module), self.class_name)
        return cls


def _check_seed(value: Any, flag: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"{flag} must be an int, received {value!r}.")
    return value


def _check_background_samples(value: Any, flag: str) -> int:
    return check_positive_int(value, flag, maximum=MAX_BACKGROUND_SAMPLES)


# Options that integrated and expected gradients share: one flag, one default, one check.
_N_STEPS = MethodOption(
    "n_steps",
    "--steps",
    str,
    "auto",
    "Integrated / expected gradients: quadrature points, 'auto' (more points only for the rows whose "
    f"completeness gap is over 1 %) or N (1 to {MAX_N_STEPS}).",
    check_n_steps,
)
# One seed for every sampled method: expected gradients' background draws, Shapley's coalitions.
_SEED = MethodOption(
    "seed",
    "--seed",
    int,
    0,
    "Seed of the sampling (expected gradients' background draws, Shapley's coalitions).",
    _check_seed,
)
_INTEGRATION = MethodOption(
    "integration",
    "--integration",
    str,
    "gausslegendre",
    "Integrated gradients: gausslegendre or riemann_left|right|middle|trapezoid.",
    check_integration,
)

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
        (
            _N_STEPS,
            _INTEGRATION,
        ),
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
        (
            MethodOption(
                "window",
                "--occlusion-window",
                str,
                "1",
                "Occlusion: W steps, or W,F steps x features.",
                parse_pair,
                ("--window",),
            ),
            MethodOption(
                "stride",
                "--occlusion-stride",
                str,
                "1",
                "Occlusion: S steps, or S,F.",
                parse_pair,
                ("--stride",),
            ),
        ),
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
        (
            MethodOption(
                "groups",
                "--groups",
                str,
                "time",
                "Ablation: time, feature or cell.",
                check_ablation_groups,
            ),
        ),
    ),
    MethodInfo(
        "expected_gradients",
        "rnnlens.attribution.expected_gradients",
        "ExpectedGradients",
        ("eg",),
        "gradient",
        True,
        False,
        "Integrated gradients averaged over baselines drawn from --background; sums to F(x) - mean F(b).",
        (
            MethodOption(
                "n_samples",
                "--eg-samples",
                int,
                16,
                "Expected gradients: baselines drawn from the background per explained row.",
                _check_background_samples,
            ),
            _N_STEPS,
            _INTEGRATION,
            _SEED,
        ),
        background=True,
    ),
    MethodInfo(
        "shapley",
        "rnnlens.attribution.shapley.method",
        "ShapleyValues",
        ("shap", "shapley_values", "timeshap"),
        "perturbation",
        True,
        True,
        "Shapley values of time steps, features, cells or windows (exact up to 14 players, else "
        "sampled with standard errors); sums to F(x) - F(baseline).",
        (
            MethodOption(
                "players",
                "--players",
                str,
                "event",
                "Shapley: players are each event (time step), feature, cell or window.",
                check_players,
            ),
            MethodOption(
                "window",
                "--shapley-window",
                str,
                "none",
                "Shapley: steps per player with --players window.",
                check_window,
            ),
            MethodOption(
                "exact",
                "--exact",
                str,
                "auto",
                "Shapley: enumerate every coalition: auto (games of at most 14 players), yes or no.",
                check_exact,
            ),
            MethodOption(
                "estimator",
                "--estimator",
                str,
                "adjusted",
                "Shapley sampling: adjusted (paired KernelSHAP + surrogate control variate), kernel, "
                "leverage or permutation.",
                check_estimator,
            ),
            MethodOption(
                "tolerance",
                "--tolerance",
                float,
                DEFAULT_TOLERANCE,
                "Shapley sampling: stop when every standard error is <= tolerance x |F(x) - F(baseline)|.",
                check_tolerance,
            ),
            MethodOption(
                "max_evaluations",
                "--max-evaluations",
                int,
                DEFAULT_MAX_EVALUATIONS,
                "Shapley sampling: model evaluations per explained row at most.",
                lambda value, flag: check_positive_int(value, flag, minimum=2),
            ),
            _SEED,
            MethodOption(
                "prune",
                "--prune",
                str,
                "none",
                "Shapley with --players event: merge older events whose joint value is below this "
                "(absolute, TimeSHAP's pruning); none to keep every event.",
                check_prune,
            ),
        ),
    ),
)


def available_methods() -> tuple[str, ...]:
    """The canonical method names, in registry order."""
    return tuple(info.name for info in METHODS)


def describe_methods() -> str:
    """The methods and their aliases for help texts and messages, e.g. ``"integrated_gradients (ig), ..."``."""
    return ", ".join(
        f"{info.name} ({', '.join(info.aliases)})" if info.aliases else info.name
        for info in METHODS
    )


def method_info(name: str) -> MethodInfo:
    """Look a method up by name or alias (case and ``-`` / ``_`` insensitive).

    Raises:
        OptionError: no such method; the message lists the available ones.
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    for info in METHODS:
        if key == info.name or key in info.aliases:
            return info
    raise OptionError(f"Unknown attribution method {name!r}; available: {describe_methods()}.")


def get_method(name: str) -> type[Attribution]:
    """The method class for ``name`` or an alias, e.g. ``get_method("ig") is IntegratedGradients``."""
    return method_info(name).load()
