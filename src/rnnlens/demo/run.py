"""Pick and run a demo."""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Any

from rnnlens._atomic import check_output_path
from rnnlens.attribution.options import check_n_steps
from rnnlens.demo.result import DemoResult
from rnnlens.errors import OptionError, OutputError
from rnnlens.report.api import REPORT_SUFFIXES

__all__ = ["DEMO_CHOICES", "run_demo"]

DEMO_CHOICES = ("turbofan", "forecast", "sentiment", "translation")


def run_demo(
    example: str = "turbofan",
    output: str | os.PathLike[str] | None = None,
    *,
    samples: int | None = None,
    epochs: int | None = None,
    n_steps: int | str = "auto",
    progress: bool = False,
    say: Any = print,
) -> DemoResult:
    """Run a demo end to end and write its HTML report.

    Args:
        example: ``turbofan`` (the shipped C-MAPSS FD001 models, default) or one of the seed document's
            examples: ``forecast``, ``sentiment``, ``translation`` (trained on generated data first).
        output: the report path (default ``rnnlens-demo.html``, or ``rnnlens-demo-<example>.html``).
        samples: how many samples to explain in detail.
        epochs: training epochs for the seed examples.
        n_steps: integrated-gradients steps: ``"auto"`` (adaptive: more points only where the
            completeness gap needs them) or a fixed number.
        progress: show progress bars.
        say: where findings are printed.

    Returns:
        A :class:`DemoResult` with the report path, the findings and key figures.

    Raises:
        OptionError: an unknown example; ``samples``, ``epochs`` or ``n_steps`` not a positive integer;
            ``epochs`` for the turbofan demo (its models are shipped trained).
        OutputError: ``output`` cannot be written (checked before any work).

    Example:
        >>> result = run_demo()  # doctest: +SKIP
        >>> result.report_path  # doctest: +SKIP
        PosixPath('rnnlens-demo.html')
    """
    if not isinstance(example, str) or example not in DEMO_CHOICES:
        raise OptionError(f"Unknown demo {example!r}; choose one of {', '.join(DEMO_CHOICES)}.")
    _check_count(samples, "samples", "--samples / -n", "samples to explain")
    _check_count(epochs, "epochs", "--epochs", "training epochs")
    n_steps = check_n_steps(n_steps, "n_steps")
    if example == "turbofan" and epochs is not None:
        raise OptionError(
            "Argument `epochs` (--epochs) trains the seed examples; the turbofan demo explains shipped, "
            "already trained models. Leave it out, or pick --example forecast, sentiment or translation."
        )
    if output is None:
        output = "rnnlens-demo.html" if example == "turbofan" else f"rnnlens-demo-{example}.html"
    if not isinstance(output, str | os.PathLike):
        raise OutputError(
            f"Argument `output` must be a file path for the .html report, received "
            f"{type(output).__name__} {output!r}."
        )
    # before minutes of training
    check_output_path(output, REPORT_SUFFIXES, option="Argument `output` (-o)")
    path = Path(output)
    if example == "turbofan":
        from rnnlens.demo.turbofan import run_turbofan_demo

        return run_turbofan_demo(
            path,
            samples=4 if samples is None else samples,
            n_steps=n_steps,
            progress=progress,
            say=say,
        )
    from rnnlens.demo.seed_examples import run_example_demo

    return run_example_demo(
        example,
        path,
        samples=3 if samples is None else samples,
        epochs=epochs,
        n_steps=n_steps,
        progress=progress,
        say=say,
    )


def _check_count(value: Any, argument: str, option: str, what: str) -> None:
    """``value`` must be None or an integer >= 1 (0 would silently mean the default)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise OptionError(
            f"Argument `{argument}` ({option}) must be a positive integer (how many {what}), "
            f"received {value!r}."
        )
