"""``rnnlens explain MODEL DATA -o report.html``: the interactive HTML report."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, user_errors
from rnnlens.cli._data import DATA_HELP, DataOptions, read_model_inputs, with_data_options
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
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        help=METHOD_HELP
        + " Default: the recommended method with --background, else integrated_gradients against a "
        "zero baseline (the report warns that it may mislead).",
    ),
    background: Path | None = typer.Option(
        None,
        "--background",
        help="Reference data from the training distribution (any DATA format): the attributions "
        "explain against it (expected_gradients draws its baselines from it; methods with a baseline "
        "use its per-feature mean).",
    ),
    faithfulness: bool = typer.Option(
        True,
        "--faithfulness/--no-faithfulness",
        help="Score each sample's attribution against random deletion orders (50 forward passes per "
        "sample), shown beside each map.",
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
    """Write one self-contained HTML report explaining MODEL on some samples of DATA.

    Beside each attribution map the report shows how far to trust it; the weak ones are also listed at
    the end of the output.
    """
    with user_errors():
        from rnnlens.attribution.diagnostics import RnnlensWarning
        from rnnlens.cli.attribute import diagnostics_summary
        from rnnlens.data import load_data
        from rnnlens.errors import OptionError
        from rnnlens.loading import load_model
        from rnnlens.report.api import REPORT_SUFFIXES
        from rnnlens.report.collect import collect_report
        from rnnlens.report.html import write_report

        check_out(out, REPORT_SUFFIXES)
        chosen = parse_samples(samples)
        options: dict[str, Any] = {}
        if attributions:
            options = _method_options(method_flags, method, background)
        elif background is not None:
            raise OptionError(
                "--background is reference data for the attributions, but --no-attribution turns them "
                "off; leave one of the two out."
            )
        keras_model = load_model(model, safe_mode=not unsafe)
        dataset = load_data(data, keras_model, labels=labels, **data_options.load_kwargs())
        with warnings.catch_warnings():  # printed below from the results' warnings, as notes
            warnings.simplefilter("ignore", RnnlensWarning)
            report = collect_report(
                keras_model,
                dataset,
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
                background=read_model_inputs(background, keras_model, data_options)
                if background is not None
                else None,
                faithfulness=faithfulness,
            )
        path = write_report(report, out)
        size = path.stat().st_size / 2**20
        console.print(f"Wrote {path} ({size:.1f} MB)", highlight=False)
        for line in diagnostics_summary(list(report.attributions)):
            console.print(line, markup=False, highlight=False)


def _method_options(
    flags: MethodFlags, method: str | None, background: Path | None
) -> dict[str, Any]:
    """The chosen method's options from its flags. Without --method but with --background the library
    picks the recommended explanation with its own options: only the flags the user set are passed."""
    from rnnlens.attribution.registry import method_info
    from rnnlens.report.options import attribution_method

    info = method_info(attribution_method(method, background))
    options = flags.options_for(info)
    if method is not None or background is None:
        return options
    return {
        option.name: options[option.name]
        for option in info.options
        if flags.value(option.flag) != option.default
    }


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
