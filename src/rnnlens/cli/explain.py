"""``rnnlens explain MODEL DATA -o report.html``: the interactive HTML report."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, custom_objects_option, user_errors
from rnnlens.cli._data import DATA_HELP, DataOptions, read_model_inputs, with_data_options
from rnnlens.cli._decode_flags import (
    SCALER_HELP,
    TARGET_OFFSET_HELP,
    THRESHOLD_HELP,
    parse_scaler,
    parse_threshold,
    read_validation,
)
from rnnlens.cli._method_options import METHOD_HELP, MethodFlags, with_method_options
from rnnlens.cli._progress import show_progress, wrote
from rnnlens.cli._reference import (
    BACKGROUND_HELP,
    BASELINE_HELP,
    REFERENCE_HELP,
    check_reference_flags,
    choose_method,
    read_baselines,
)
from rnnlens.cli._samples import MAX_RANGE, SAMPLES_HELP, parse_samples
from rnnlens.cli._targets import TARGET_HELP, parse_target, with_cli_hint
from rnnlens.cli._two_inputs import DECODER_DATA_HELP, read_encoder_decoder
from rnnlens.cli.explain_fleet import FROM_HELP, explain_fleet

__all__ = ["MAX_RANGE", "explain", "parse_samples"]


@with_method_options
@with_data_options
def explain(
    ctx: typer.Context,
    model: Path | None = typer.Argument(None, help="A .keras or .h5 model file (not with --from)."),
    data: Path | None = typer.Argument(None, help=DATA_HELP),
    out: Path = typer.Option(
        Path("rnnlens-report.html"), "--out", "-o", help="The HTML file to write."
    ),
    samples: str = typer.Option(
        "",
        "--samples",
        "-s",
        help=SAMPLES_HELP + " Default: the first N.",
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
    target: str = typer.Option(
        "",
        "--target",
        "-t",
        help=TARGET_HELP.replace(
            "Empty: the output's only value.",
            "Empty: every step of a sequence output, else its only value or predicted class.",
        ),
    ),
    baseline: str = typer.Option("zeros", "--baseline", "-b", help=BASELINE_HELP),
    reference: Path | None = typer.Option(None, "--reference", help=REFERENCE_HELP),
    background: Path | None = typer.Option(None, "--background", help=BACKGROUND_HELP),
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
    labels: Path | None = typer.Option(
        None, "--labels", help="Class names, one per line, in output-unit order."
    ),
    threshold: str | None = typer.Option(None, "--threshold", help=THRESHOLD_HELP),
    validation: Path | None = typer.Option(
        None, "--validation", help="Labelled data (an .npz with `y`) to choose the threshold on."
    ),
    scaler: str | None = typer.Option(None, "--scaler", help=SCALER_HELP),
    target_offset: int = typer.Option(0, "--target-offset", help=TARGET_OFFSET_HELP),
    states: bool = typer.Option(True, "--states/--no-states", help="Show state and gate heatmaps."),
    attributions: bool = typer.Option(
        True, "--attribution/--no-attribution", help="Attribute the output to the inputs."
    ),
    title: str | None = typer.Option(None, "--title", help="Page title."),
    step_name: str | None = typer.Option(
        None,
        "--step-name",
        help='What one time step is, for the time axes: "cycle", "hour", "token".',
    ),
    value_units: str | None = typer.Option(
        None,
        "--value-units",
        help='The units of a regression output, for attribution colour bars: "cycles" reads '
        '"cycles of <output>".',
    ),
    decoder_data: Path | None = typer.Option(None, "--decoder-data", help=DECODER_DATA_HELP),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    custom_objects: Path | None = custom_objects_option(),
    from_: Path | None = typer.Option(None, "--from", metavar="OUT", help=FROM_HELP),
    data_options: DataOptions = DataOptions(),
    method_flags: MethodFlags = MethodFlags({}),
) -> None:
    """Write one self-contained HTML report explaining MODEL on some samples of DATA (or, with --from
    OUT, the report of a fleet run).

    Beside each attribution map the report shows how far to trust it; the weak ones are also listed at
    the end of the output.
    """
    with user_errors(import_backend=from_ is None):  # a fleet page needs no Keras
        if from_ is not None:
            explain_fleet(ctx, from_, out, title)
            return
        if model is None or data is None:
            from rnnlens.errors import OptionError

            raise OptionError(
                "rnnlens explain needs MODEL and DATA (e.g. `rnnlens explain model.keras x.npz`), or "
                "--from OUT for the report of a fleet run."
            )
        from rnnlens.attribution.diagnostics import RnnlensWarning
        from rnnlens.cli.attribute import diagnostics_summary, rows_of
        from rnnlens.data import load_data
        from rnnlens.errors import TargetError
        from rnnlens.loading import load_model
        from rnnlens.report.api import REPORT_SUFFIXES
        from rnnlens.report.collect import collect_report
        from rnnlens.report.html import write_report

        check_out(out, REPORT_SUFFIXES)
        chosen = parse_samples(samples)
        options: dict[str, Any] = {}
        if attributions:
            info, recommended = choose_method(method, background, baseline)
            method = None if recommended else info.name
            check_reference_flags(info, baseline, reference, background)
            options = _method_options(method_flags, method, background)
        else:
            _refuse_without_attributions(target, baseline, reference, background)
        decode_options = _decode_options(threshold, scaler, target_offset)
        keras_model = load_model(model, safe_mode=not unsafe, custom_objects=custom_objects)
        dataset = (
            read_encoder_decoder(data, decoder_data, keras_model, data_options, labels)
            if decoder_data is not None
            else load_data(data, keras_model, labels=labels, **data_options.load_kwargs())
        )
        if validation is not None:
            decode_options["validation"] = read_validation(validation, keras_model, data_options)
        reference_data = (
            read_model_inputs(background, keras_model, data_options)
            if background is not None
            else None
        )
        if attributions and info.baselines:
            given = read_baselines(
                baseline, reference, dataset, keras_model, data_options, reference_data
            )
            if given is not None:
                shown = chosen if chosen is not None else list(range(max(max_samples, 0)))
                options["baselines"] = rows_of(given, shown, dataset.model_inputs(keras_model))
        with warnings.catch_warnings():  # printed below from the results' warnings, as notes
            warnings.simplefilter("ignore", RnnlensWarning)
            try:
                report = collect_report(
                    keras_model,
                    dataset,
                    vocab=_vocabularies(input_vocab, dataset, keras_model),
                    samples=chosen,
                    max_samples=max_samples,
                    method=method,
                    target=parse_target(target, output) if target.strip() else None,
                    output=int(output) if output.lstrip("-").isdigit() else output,
                    states=states,
                    attributions=attributions,
                    method_options=options,
                    decode_options=decode_options,
                    title=title,
                    step_name=step_name,
                    value_units=value_units,
                    progress=show_progress(),
                    background=reference_data,
                    faithfulness=faithfulness,
                )
            except TargetError as exc:
                raise (with_cli_hint(exc) if target.strip() else exc) from None
        path = write_report(report, out)
        console.print(wrote(path), highlight=False, markup=False)
        given_baseline = baseline if baseline not in ("zeros", "") else None
        for line in diagnostics_summary(
            list(report.attributions),
            baseline=f"{given_baseline} (--baseline)" if given_baseline else None,
        ):
            console.print(line, markup=False, highlight=False)


def _refuse_without_attributions(
    target: str, baseline: str, reference: Path | None, background: Path | None
) -> None:
    """Flags that only shape the attributions are mistakes with ``--no-attribution``."""
    from rnnlens.errors import OptionError

    given = [
        flag
        for flag, used in (
            ("--target", bool(target.strip())),
            ("--baseline", baseline not in ("zeros", "")),
            ("--reference", reference is not None),
            ("--background", background is not None),
        )
        if used
    ]
    if given:
        raise OptionError(
            f"{', '.join(given)} shape{'s' if len(given) == 1 else ''} the attributions, but "
            "--no-attribution turns them off; leave one of the two out."
        )


def _decode_options(
    threshold: str | None, scaler: str | None, target_offset: int
) -> dict[str, Any]:
    """The report's ``decode_options`` from the flags the user gave (None and 0 are left out, so a
    model they do not apply to is not refused for defaults)."""
    options: dict[str, Any] = {}
    if threshold is not None:
        options["threshold"] = parse_threshold(threshold)
    if scaler is not None:
        options["scaler"] = parse_scaler(scaler)
    if target_offset:
        options["target_offset"] = target_offset
    return options


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
