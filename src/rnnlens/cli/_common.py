"""What every CLI command shares: clean errors, the debug switch, output helpers."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import typer
from typer import Abort
from typer.core import TyperGroup

try:  # typer vendors click from 0.2x on; older releases use click itself
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException  # type: ignore[no-redef,import-not-found,assignment]
from rich.console import Console
from rich.markup import escape

from rnnlens.errors import RnnlensError

console = Console()
error_console = Console(stderr=True)

_debug = {"on": os.environ.get("RNNLENS_DEBUG", "") not in ("", "0")}


class OneLineErrorsGroup(TyperGroup):
    """The command group: a usage mistake (unknown option, ``--steps abc``) is one ``Error:`` line and exit 1,
    like every other failure, instead of a boxed usage panel."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        extra["windows_expand_args"] = windows_expand_args
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as exc:
            if _debug["on"] or not standalone_mode:
                raise
            if getattr(exc, "exit_code", 1) == 0 or type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # bare `rnnlens`: the help text, as asked for
                sys.exit(0)
            context = getattr(exc, "ctx", None)
            command = context.command_path if context is not None else "rnnlens"
            error_console.print(
                f"[bold red]Error:[/] {_one_line(exc.format_message())} "
                f"(see `{escape(command)} --help`)",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            sys.exit(1)
        except Abort:
            if not standalone_mode:
                raise
            error_console.print("[yellow]Aborted; nothing was written.[/]")
            sys.exit(1)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def check_out(path: Path | None, suffixes: Iterable[str], option: str = "--out") -> None:
    """Check an output path before any work: suffix, existing writable folder, regular-file target.

    A mistyped ``-o`` must fail in a second, not after minutes of computing (and never create folders).
    """
    if path is not None:
        from rnnlens._atomic import check_output_path

        check_output_path(path, suffixes, option=option)


def custom_objects_option() -> Any:
    """``--custom-objects MODULE.py``, the same in every command that loads a model."""
    return typer.Option(
        None,
        "--custom-objects",
        metavar="MODULE.py",
        help="Python file defining the model's custom layers and functions (a CUSTOM_OBJECTS dict, else "
        "its public classes and functions). Its code RUNS: trusted files only. Safe mode stays on.",
    )


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


class Terminated(KeyboardInterrupt):
    """SIGTERM, delivered like Ctrl-C so every ``finally`` and atomic write unwinds the same way."""


@contextlib.contextmanager
def user_errors(*, import_backend: bool = True) -> Iterator[None]:
    """Turn every failure into one red ``Error:`` line and exit code 1; tracebacks only with ``--debug``.

    The Keras backend is imported first, quietly, unless ``import_backend`` is False (a command that may
    not need it, such as ``describe``, then calls :func:`import_backend_quietly` itself when it does).

    rnnlens errors carry their own message. An ``OSError`` (a file that vanished, a full disk) is reported
    with the file it concerns. Anything else is a bug in rnnlens: it is reported as an internal error with
    the hint to rerun with ``--debug``, never as a raw traceback. SIGTERM is handled like Ctrl-C.
    """
    with _terminate_as_interrupt():
        try:
            if import_backend:
                import_backend_quietly()
            yield
        except RnnlensError as exc:
            _fail(str(exc))
        except KeyboardInterrupt as exc:
            error_console.print("[yellow]Interrupted; nothing was written.[/]")
            raise typer.Exit(code=143 if isinstance(exc, Terminated) else 130) from None
        except OSError as exc:
            where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
            _fail(f"Could not access{where}: {exc.strerror or exc}.")
        except MemoryError:
            _fail(
                "Out of memory. Use fewer samples, a smaller --batch-size, or a file output that "
                "streams (.h5)."
            )
        except Exception as exc:
            _fail(
                f"internal error ({type(exc).__name__}: {_one_line(str(exc))}). This is a bug in "
                "rnnlens: rerun with `rnnlens --debug ...` for the traceback and report it."
            )


def _fail(message: str) -> None:
    if _debug["on"]:
        raise
    error_console.print(
        f"[bold red]Error:[/] {_one_line(message)}", highlight=False, markup=True, soft_wrap=True
    )
    raise typer.Exit(code=1) from None


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = " ".join(lines) if lines else "unknown error"
    return escape(line if len(line) <= 600 else line[:600] + "...")


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def quiet_backend_logs() -> None:
    """Silence TensorFlow's start-up chatter before the backend is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "absl" not in sys.modules:
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
