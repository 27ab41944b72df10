"""What every CLI command shares: clean errors, the debug switch, output helpers."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import typer
from rich.console import Console

from rnnlens.errors import RnnlensError

console = Console()
error_console = Console(stderr=True)

_debug = {"on": os.environ.get("RNNLENS_DEBUG", "") not in ("", "0")}


def set_debug(on: bool) -> None:
    """Show full tracebacks instead of one-line errors (``rnnlens --debug ...``)."""
    _debug["on"] = on


def import_backend_quietly() -> None:
    """Import Keras (and its backend) with native stderr muted: TensorFlow's C++ start-up lines ignore
    ``TF_CPP_MIN_LOG_LEVEL``. Python errors still surface: stderr is restored before they propagate."""
    if "keras" in sys.modules or _debug["on"]:
        return
    try:
        saved = os.dup(2)
    except OSError:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
    except Exception:
        pass  # the command's own import raises it again, visibly
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn rnnlens errors into one red line and exit code 1; tracebacks only with ``--debug``."""
    try:
        import_backend_quietly()
        yield
    except RnnlensError as exc:
        if _debug["on"]:
            raise
        error_console.print(
            f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True
        )
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        error_console.print("[yellow]Interrupted; nothing was written.[/]")
        raise typer.Exit(code=130) from None


def quiet_backend_logs() -> None:
    """Silence TensorFlow's start-up chatter before the backend is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "absl" not in sys.modules:
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
