"""Progress of long work: a transient rich bar on stderr with one step per stage.

The report collector and the CLI commands share it (rich is allowed in report/ and cli/ only). Whether to
show it is the caller's call: the CLI shows it on a terminal, the library when asked (``progress=True``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["stage_progress"]


@contextlib.contextmanager
def stage_progress(
    total: int, show: bool, *, console: Any = None, counts: bool = False
) -> Iterator[Callable[[str], None]]:
    """A bar of ``total`` stages; call the yielded function with each stage's description.

    The bar vanishes when the work is done and shows the elapsed time, so a minute-long stage is visibly
    alive. With ``show`` False the stage function does nothing.

    Args:
        total: how many stages.
        show: draw the bar at all.
        console: the rich console to draw on (default: a new one on stderr).
        counts: show ``done/total`` beside the bar.

    Example:
        >>> with stage_progress(2, show=False) as stage:
        ...     stage("Loading the model")
        ...     stage("Tracing 4 samples")
    """
    if not show:
        yield lambda description: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if counts:
        columns.append(TextColumn("{task.completed}/{task.total}"))
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Starting", total=total)
        started = [False]

        def stage(description: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=description)

        yield stage
        bar.update(task, completed=total)
