"""``rnnlens explain --from OUT -o fleet.html``: the HTML report of a fleet run (``rnnlens batch``)."""

from __future__ import annotations

from pathlib import Path

import typer

from rnnlens.cli._common import check_out, console
from rnnlens.cli._progress import wrote

__all__ = ["FROM_HELP", "explain_fleet"]

FROM_HELP = (
    "Render the fleet run in OUT (written by `rnnlens batch`) instead of explaining samples: fleet "
    "importance per feature and per step with 95% intervals, the predictions, the worst-explained "
    "sequences. Takes no MODEL or DATA; only -o and --title apply."
)

#: The options of ``explain`` that apply to a fleet page (everything else is refused with --from).
_FLEET_OPTIONS = ("from_", "out", "title")


def explain_fleet(context: typer.Context, out_folder: Path, page: Path, title: str | None) -> None:
    """Write the fleet page of ``out_folder`` to ``page`` after refusing options that do not apply.

    Raises:
        OptionError: MODEL, DATA or a sample-explaining option was given with --from.
        DataError: ``out_folder`` holds no fleet run. OutputError: ``page`` cannot be written.
    """
    from rnnlens.report.api import REPORT_SUFFIXES
    from rnnlens.report.fleet import write_fleet_report

    _refuse_other_options(context)
    check_out(page, REPORT_SUFFIXES)
    path = write_fleet_report(out_folder, page, title=title)
    console.print(wrote(path), highlight=False, markup=False)


def _refuse_other_options(context: typer.Context) -> None:
    from rnnlens.errors import OptionError

    given = []
    for parameter in context.command.params:
        name = parameter.name or ""
        source = context.get_parameter_source(name)
        if name in _FLEET_OPTIONS or source is None or source.name == "DEFAULT":
            continue
        flags = [opt for opt in getattr(parameter, "opts", ()) if opt.startswith("-")]
        given.append(max(flags, key=len) if flags else name.upper())
    if given:
        raise OptionError(
            f"--from OUT renders a finished fleet run, so {', '.join(given)} "
            f"{'does' if len(given) == 1 else 'do'} not apply; leave "
            f"{'it' if len(given) == 1 else 'them'} out (only -o and --title go with --from)."
        )
