"""The ``rnnlens`` typer application. Each command lives in its own module and imports heavy code lazily."""

from __future__ import annotations

import typer

from rnnlens.cli import attribute, batch, convert, demo, describe, explain, predict
from rnnlens.cli import trace as trace_command
from rnnlens.cli._common import OneLineErrorsGroup, quiet_backend_logs, set_debug

app = typer.Typer(
    cls=OneLineErrorsGroup,
    name="rnnlens",
    help="Explain what a Keras recurrent network's output means and why it came out that way.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    set_debug(debug)
    quiet_backend_logs()


app.command("demo")(demo.demo)
app.command("describe")(describe.describe)
app.command("predict")(predict.predict)
app.command("trace")(trace_command.trace)
app.command("attribute")(attribute.attribute)
app.command("explain")(explain.explain)
app.command("convert")(convert.convert)
app.command("batch")(batch.batch)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
