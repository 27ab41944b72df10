"""Pick and run a demo."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rnnlens.demo.result import DemoResult
from rnnlens.errors import OptionError

__all__ = ["DEMO_CHOICES", "run_demo"]

DEMO_CHOICES = ("turbofan", "forecast", "sentiment", "translation")


def run_demo(
    example: str = "turbofan",
    output: str | os.PathLike[str] | None = None,
    *,
    samples: int | None = None,
    epochs: int | None = None,
    n_steps: int = 64,
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
        n_steps: integrated-gradients steps.
        progress: show progress bars.
        say: where findings are printed.

    Returns:
        A :class:`DemoResult` with the report path, the findings and key figures.

    Raises:
        OptionError: an unknown example.

    Example:
        >>> result = run_demo()  # doctest: +SKIP
        >>> result.report_path  # doctest: +SKIP
        PosixPath('rnnlens-demo.html')
    """
    if example not in DEMO_CHOICES:
        raise OptionError(f"Unknown demo {example!r}; choose one of {', '.join(DEMO_CHOICES)}.")
    if output is None:
        output = "rnnlens-demo.html" if example == "turbofan" else f"rnnlens-demo-{example}.html"
    path = Path(output)
    if example == "turbofan":
        from rnnlens.demo.turbofan import run_turbofan_demo

        return run_turbofan_demo(
            path, samples=samples or 4, n_steps=n_steps, progress=progress, say=say
        )
    from rnnlens.demo.seed_examples import run_example_demo

    return run_example_demo(
        example,
        path,
        samples=samples or 3,
        epochs=epochs,
        n_steps=n_steps,
        progress=progress,
        say=say,
    )
