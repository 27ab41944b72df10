"""``rnnlens explain MODEL DATA -o report.html``: the interactive HTML report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, user_errors
from rnnlens.cli._data import DATA_HELP, DataOptions, with_data_options
from rnnlens.cli._method_options import METHOD_HELP, MethodFlags, with_method_options

MAX_RANGE = 1000  # samples one --samples range may list: each gets its own section in the page


@with_method_options
@with_data_options
def explain(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path = typer.Option(
        Path("rnnlens-report.html"), "--out", "-o", help="The HTML file to write."
    ),
    samples: str = typer.Option(
        "",
        "--samples",
        "-s",
        help="Sample indices to explain, e.g. 0,3,10-12 (default: the first N).",
    ),
    max_samples: int = typer.Option(
        5, "--max-samples", "-n", help="N: how many samples when --samples is not given."
    ),
    method: str = typer.Option(
        "integrated_gradients",
        "--method",
        "-m",
        help=METHOD_HELP,
    ),
    output: str = typer.Option("0", "--model-output", help="Which model output: index or name."),
    input_vocab: list[str] | None = typer.Option(
        None,
        "--input-vocab",
        help="NAME=FILE: the vocabulary of one token input (repeatable), e.g. an encoder-decoder's "
        "source vocabulary when it differs from --vocab.",
    ),
    labels: Path | None = typer.Option(None, "--labels", help="Class names: one per line."),
    states: bool = typer.Option(True, "--states/--no-states", help="Show state and gate heatmaps."),
    attributions: bool = typer.Option(
        True, "--attribution/--no-attribution", help="Attribute the output to the inputs."
    ),
    title: str | None = typer.Option(None, "--title", help="Page title."),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    data_options: DataOptions = DataOptions(),
    method_flags: MethodFlags = MethodFlags({}),
) -> None:
    """Write one self-contained HTML report explaining MODEL on some samples of DATA."""
    with user_errors():
        from rnnlens.data import load_data
        from rnnlens.loading import load_model
        from rnnlens.report.api import REPORT_SUFFIXES, render_report

        check_out(out, REPORT_SUFFIXES)
        chosen = parse_samples(samples)
        options: dict[str, Any] = {}
        if attributions:
            from rnnlens.attribution.registry import method_info

            options = method_flags.options_for(method_info(method))
        keras_model = load_model(model, safe_mode=not unsafe)
        dataset = load_data(data, keras_model, labels=labels, **data_options.load_kwargs())
        path = render_report(
            keras_model,
            dataset,
            out,
            vocab=_vocabularies(input_vocab, dataset, keras_model),
            samples=chosen,
            max_samples=max_samples,
            method=method,
            output=int(output) if output.lstrip("-").isdigit() else output,
            states=states,
            attributions=attributions,
            method_options=options,
            title=title,
            progress=sys.stderr.isatty(),
        )
        size = path.stat().st_size / 2**20
        console.print(f"Wrote {path} ({size:.1f} MB)", highlight=False)


def _vocabularies(pairs: list[str] | None, dataset: Any, model: Any) -> Any:
    """Per-input vocabularies from ``--input-vocab NAME=FILE``; other token inputs keep ``--vocab``."""
    if not pairs:
        return None
    from rnnlens.data import read_vocab
    from rnnlens.errors import OptionError
    from rnnlens.validation import embedding_vocab_sizes

    sizes = embedding_vocab_sizes(model)
    names = [tensor.name for tensor in model.inputs]
    vocabularies = {name: dataset.vocab for name in names if dataset.vocab is not None}
    for pair in pairs:
        name, sep, file = pair.partition("=")
        if not sep or name not in names:
            raise OptionError(
                f"Option --input-vocab expects NAME=FILE with NAME one of the model inputs {names}, "
                f"received {pair!r}."
            )
        vocabularies[name] = tuple(read_vocab(file, vocab_size=sizes.get(name)))
    return vocabularies


def parse_samples(text: str) -> list[int] | None:
    """``"0,3,10-12"`` -> ``[0, 3, 10, 11, 12]``; empty -> None (the first N samples).

    Raises:
        OptionError: a part that is not an index or an ``a-b`` range, or a range of more than
            ``MAX_RANGE`` samples (an index beyond the data is a ``TargetError``, raised later).
    """
    from rnnlens.errors import OptionError

    text = text.strip()
    if not text:
        return None
    chosen: list[int] = []
    for part in text.split(","):
        item = part.strip()
        low, dash, high = item.partition("-")
        try:
            start, stop = (int(low), int(high)) if dash and low else (int(item), int(item))
        except ValueError:
            start, stop = 0, -1
        if stop < start:
            raise OptionError(
                f"--samples must list indices and ranges like 0,3,10-12; could not read {item!r}."
            )
        if stop - start + 1 > MAX_RANGE:
            raise OptionError(
                f"--samples range {item!r} lists {stop - start + 1} samples; a report explains a few "
                f"(at most {MAX_RANGE} per range). List the samples you want to read."
            )
        chosen.extend(range(start, stop + 1))
    return chosen
