"""Progress while a command works, and the size of what it wrote.

Bars go to stderr and only to a terminal (rich hides live displays elsewhere), so piped output and the
tests' captured output stay the same; ``RNNLENS_PROGRESS=1`` shows them anyway, ``0`` never.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["human_size", "show_progress", "stages", "wrote"]


def show_progress() -> bool:
    """Whether to draw progress: on a terminal by default; ``RNNLENS_PROGRESS`` = 1 / 0 forces it."""
    forced = os.environ.get("RNNLENS_PROGRESS", "").strip().lower()
    if forced in ("1", "true", "yes", "on"):
        return True
    if forced in ("0", "false", "no", "off"):
        return False
    from rnnlens.cli._common import error_console

    return error_console.is_terminal


@contextlib.contextmanager
def stages(total: int, show: bool | None = None) -> Iterator[Callable[[str], None]]:
    """A progress bar of ``total`` stages; call the yielded function with each stage's description.

    The bar is transient (it vanishes when the work is done) and shows the elapsed time, so a
    minute-long stage is visibly alive. With ``show`` False (default: :func:`show_progress`) the stage
    function does nothing.

    Example:
        >>> with stages(2, show=False) as stage:
        ...     stage("Loading the model")
        ...     stage("Tracing 4 samples")
    """
    from rnnlens.cli._common import error_console
    from rnnlens.report.progress import stage_progress

    visible = show_progress() if show is None else show
    with stage_progress(total, visible, console=error_console, counts=True) as stage:
        yield stage


def human_size(n_bytes: int) -> str:
    """A file size for people: ``925 MB``, ``1.4 kB``, ``12 B`` (powers of 1000, as file managers show).

    Example:
        >>> human_size(12), human_size(1_400), human_size(925_000_000), human_size(3_200_000_000)
        ('12 B', '1.4 kB', '925 MB', '3.2 GB')
    """
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            break
        size /= 1000
    if unit == "B":
        return f"{int(size)} B"
    return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"


def wrote(path: Path | str, what: str = "") -> str:
    """``Wrote trace.npz (925 MB)``, or ``Wrote 3 rows to table.csv (1.4 kB)`` with ``what``.

    Example:
        >>> _ = (folder / "note.txt").write_text("hello")
        >>> wrote(folder / "note.txt").endswith("note.txt (5 B)")
        True
    """
    file = Path(path)
    try:
        size = f" ({human_size(file.stat().st_size)})"
    except OSError:
        size = ""
    return f"Wrote {what + ' to ' if what else ''}{file}{size}"
