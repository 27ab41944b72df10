"""What an explanation is measured against, from the command line: ``--method`` chosen with
``--background`` in mind, ``--baseline`` / ``--reference`` / ``--background`` checked together and read.

``rnnlens attribute`` and ``rnnlens explain`` share these flags, so each means one thing in both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._data import DataOptions, read_model_inputs

__all__ = [
    "BACKGROUND_HELP",
    "BASELINE_HELP",
    "REFERENCE_HELP",
    "check_reference_flags",
    "choose_method",
    "read_baselines",
]

BASELINE_HELP = (
    "zeros, mean or median (per feature, of --reference or DATA), opposite-class (the mean sequence of "
    "--reference / --background samples predicted as another class), or a .npy file (one baseline, or "
    "one per sample of DATA)."
)
REFERENCE_HELP = "Reference data for mean / median / opposite-class baselines (any DATA format)."
BACKGROUND_HELP = (
    "Reference data from the training distribution (any DATA format): expected_gradients draws its "
    "baselines from it; methods with a baseline use its per-feature mean unless --baseline is given."
)

#: ``--baseline`` values that leave the baseline to the method (zeros, or the background's mean).
DEFAULT_BASELINES = ("zeros", "")


def choose_method(method: str | None, background: Path | None, baseline: str) -> tuple[Any, bool]:
    """The registry entry of the method to run, and whether :func:`rnnlens.attribute` should pick the
    recommended explanation itself (no ``--method``, a ``--background`` and no ``--baseline``).

    Raises:
        OptionError: an unknown method name.
    """
    from rnnlens.attribution.diagnostics import RECOMMENDED_METHOD
    from rnnlens.attribution.registry import method_info

    recommended = method is None and background is not None and baseline in DEFAULT_BASELINES
    if method is None:
        method = RECOMMENDED_METHOD if background is not None else "integrated_gradients"
    return method_info(method), recommended


def check_reference_flags(
    info: Any, baseline: str, reference: Path | None, background: Path | None
) -> None:
    """Refuse reference flags the chosen method would ignore, or one it needs and lacks.

    Raises:
        OptionError: ``--baseline`` for a method without a baseline; ``--reference`` without a
            baseline that reads it; ``--background`` for a method without a baseline; no
            ``--background`` for a method that draws its baselines from it.
    """
    from rnnlens.errors import OptionError

    if not info.baselines and baseline not in DEFAULT_BASELINES:
        raise OptionError(
            f"--baseline does not apply to {info.name}, which takes no baseline; received "
            f"{baseline!r}. Leave --baseline out, or use {_methods_with_baselines()}."
        )
    if reference is not None and baseline not in ("mean", "median", "opposite-class"):
        raise OptionError(
            f"--reference is the data behind --baseline mean, median or opposite-class, but --baseline "
            f"is {baseline!r}; add --baseline mean (or median, opposite-class), or leave --reference out."
        )
    if background is None and info.background:
        raise OptionError(
            f"{info.name} draws its baselines from reference data; add --background FILE (samples from "
            "the training data, in any format DATA takes)."
        )
    if background is not None and not (info.background or info.baselines):
        raise OptionError(
            f"--background does not apply to {info.name}, which takes no baseline. Leave --background "
            f"out, or use {_methods_with_baselines()}."
        )


def read_baselines(
    spec: str,
    reference: Path | None,
    dataset: Any,
    model: Any,
    read: DataOptions,
    background: Any = None,
) -> Any:
    """The ``baselines`` argument of :func:`rnnlens.attribute` that ``--baseline spec`` names (None:
    the method's default).

    Raises:
        OptionError: ``opposite-class`` without reference data, or a spec that is neither a known word
            nor an existing file.
        DataError, ShapeError: a reference or baseline file that does not fit the model.
    """
    from rnnlens.attribution import Baseline
    from rnnlens.errors import OptionError

    if spec in DEFAULT_BASELINES:
        return None
    if spec == "opposite-class":
        if reference is not None:
            return Baseline.opposite_class(read_model_inputs(reference, model, read))
        if background is None:
            raise OptionError(
                "--baseline opposite-class needs reference data to find samples of other classes: add "
                "--background FILE (or --reference FILE)."
            )
        return Baseline.opposite_class(background)
    if spec in ("mean", "median"):
        if reference is not None:
            data = read_model_inputs(reference, model, read)
        else:
            arrays = dataset.model_inputs(model)
            data = arrays[0] if len(arrays) == 1 else arrays
        return Baseline.mean(data) if spec == "mean" else Baseline.median(data)
    if not Path(spec).is_file():
        raise OptionError(
            f"--baseline must be zeros, mean, median, opposite-class or an existing data file (.npy / "
            f".npz) with one baseline per sample; {spec!r} is none of these (the file does not exist)."
        )
    return read_model_inputs(Path(spec), model, read)


def _methods_with_baselines() -> str:
    from rnnlens.attribution.registry import METHODS

    names = [info.name for info in METHODS if info.baselines]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


# The typer options, declared once for every command that explains.
BASELINE_OPTION: Any = typer.Option("zeros", "--baseline", "-b", help=BASELINE_HELP)
REFERENCE_OPTION: Any = typer.Option(None, "--reference", help=REFERENCE_HELP)
