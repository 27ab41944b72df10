"""``rnnlens attribute MODEL DATA``: which input timesteps and features drove an output."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, custom_objects_option, user_errors
from rnnlens.cli._data import (
    DATA_HELP,
    DataOptions,
    read_dataset,
    read_model_inputs,
    with_data_options,
)
from rnnlens.cli._method_options import METHOD_HELP, MethodFlags, with_method_options
from rnnlens.cli._progress import stages, wrote
from rnnlens.cli._reference import (
    BACKGROUND_HELP,
    BASELINE_HELP,
    REFERENCE_HELP,
    check_reference_flags,
    choose_method,
    read_baselines,
)
from rnnlens.cli._samples import SAMPLES_HELP, parse_samples, select_rows
from rnnlens.cli._targets import TARGET_HELP, parse_target, with_cli_hint
from rnnlens.cli._two_inputs import DECODER_DATA_HELP, read_encoder_decoder

# Spellings kept for code that imported them from here.
_parse_target = parse_target


@with_method_options(old_spellings=True)
@with_data_options
def attribute(
    model: Path = typer.Argument(..., help="A .keras or .h5 model file."),
    data: Path = typer.Argument(..., help=DATA_HELP),
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        help=METHOD_HELP
        + " Default: the recommended method with --background, else integrated_gradients.",
    ),
    target: str = typer.Option(
        "",
        "--target",
        "-t",
        help=TARGET_HELP,
    ),
    output: str = typer.Option("0", "--model-output", help="Which model output: index or name."),
    baseline: str = typer.Option(
        "zeros",
        "--baseline",
        "-b",
        help=BASELINE_HELP,
    ),
    reference: Path | None = typer.Option(None, "--reference", help=REFERENCE_HELP),
    background: Path | None = typer.Option(None, "--background", help=BACKGROUND_HELP),
    samples: str = typer.Option(
        "", "--samples", "-s", help=SAMPLES_HELP + " Default: every sample."
    ),
    batch_size: int | None = typer.Option(
        None,
        "--batch-size",
        help="Rows per compiled call (default: sized by a 2 GB memory budget).",
    ),
    top: int = typer.Option(
        5, "--top", help="Print the top-K cells (groups, for ablation) per input; 0: none."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the attributions: .npz, .parquet or .csv."
    ),
    faithfulness: bool = typer.Option(
        True,
        "--faithfulness/--no-faithfulness",
        help="Score each sample's ranking against random deletion orders (50 forward passes per "
        "sample).",
    ),
    decoder_data: Path | None = typer.Option(None, "--decoder-data", help=DECODER_DATA_HELP),
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    custom_objects: Path | None = custom_objects_option(),
    data_options: DataOptions = DataOptions(),
    method_flags: MethodFlags = MethodFlags({}),
) -> None:
    """Attribute one output of MODEL on DATA to the input timesteps and features."""
    with user_errors():
        from rnnlens.attribution import attribute as run_attribution
        from rnnlens.attribution import save_results
        from rnnlens.attribution.diagnostics import RnnlensWarning
        from rnnlens.attribution.options import check_positive_int
        from rnnlens.attribution.result import SAVE_SUFFIXES
        from rnnlens.errors import TargetError
        from rnnlens.loading import load_model

        info, recommended = choose_method(method, background, baseline)
        options = method_flags.options_for(info)
        if batch_size is not None:
            options["internal_batch_size"] = check_positive_int(batch_size, "--batch-size")
        check_positive_int(top, "--top", minimum=0)
        check_reference_flags(info, baseline, reference, background)
        chosen = parse_samples(samples)
        check_out(out, SAVE_SUFFIXES)
        with stages(4) as stage:
            stage("Loading the model and data")
            keras_model = load_model(model, safe_mode=not unsafe, custom_objects=custom_objects)
            dataset = (
                read_encoder_decoder(data, decoder_data, keras_model, data_options)
                if decoder_data is not None
                else read_dataset(data, keras_model, data_options)
            )
            reference_data = (
                read_model_inputs(background, keras_model, data_options)
                if background is not None
                else None
            )
            baselines = (
                read_baselines(
                    baseline, reference, dataset, keras_model, data_options, reference_data
                )
                if info.baselines
                else None
            )
            if chosen is not None:
                baselines = rows_of(baselines, chosen, dataset.model_inputs(keras_model))
                dataset = select_rows(dataset, keras_model, chosen)
            stage(f"Attributing {dataset.n_samples} sample(s) with {info.name}")
            try:
                with warnings.catch_warnings():  # printed below from result.warnings, as notes
                    warnings.simplefilter("ignore", RnnlensWarning)
                    result = run_attribution(
                        keras_model,
                        dataset,
                        method=None if recommended else info.name,
                        target=parse_target(target, output),
                        baselines=baselines,
                        background=reference_data,
                        faithfulness=faithfulness,
                        **options,
                    )
            except TargetError as exc:
                raise with_cli_hint(exc) from None
            results = list(result) if isinstance(result, tuple) else [result]
            if out is not None:
                stage(f"Writing {out.name}")
                save_results(results, out)
        for item in results:
            console.print(
                f"[bold]{item.input_name}[/] {item.method}: {item.target}", highlight=False
            )
            gap = item.relative_gap
            if gap is not None:
                console.print(f"  completeness gap: max {float(gap.max()):.2e} of |F(x) - F(b)|")
            if top > 0:
                table = item.top_k(top)
                console.print(table.to_string(index=False), markup=False, highlight=False)
        if out is not None:
            console.print(wrote(out), markup=False, highlight=False)
        given = baseline if info.baselines and baseline not in ("zeros", "") else None
        for line in diagnostics_summary(
            results, baseline=f"{given} (--baseline)" if given else None
        ):
            console.print(line, markup=False, highlight=False)


def rows_of(baselines: Any, chosen: list[int], inputs: list[Any]) -> Any:
    """Per-sample baselines (an array shaped like its DATA input, one row per sample) cut to the
    ``--samples`` rows; anything else (one baseline for all, a :class:`~rnnlens.attribution.Baseline`)
    as it is. ``inputs``: DATA's arrays in model-input order."""
    import numpy as np

    def cut(value: Any, data: Any) -> Any:
        per_sample = isinstance(value, np.ndarray) and value.ndim == np.ndim(data)
        if per_sample and len(value) == len(data):
            return value[np.asarray(chosen) % len(data)]
        return value

    if isinstance(baselines, list):
        return [cut(value, data) for value, data in zip(baselines, inputs, strict=False)]
    return cut(baselines, inputs[0])


def diagnostics_summary(
    results: list[Any], *, baseline: str | None = None, max_weak: int = 5
) -> list[str]:
    """Compact lines on how far to trust each input's attributions: method, baseline (``baseline``
    overrides the result's own words), F(x) and F(b), gap, standard errors, faithfulness, the weak rows
    with reasons, and the result's warnings."""
    import numpy as np

    lines = []
    notes: list[str] = []
    for item in results:
        frame = item.diagnostics()
        lines.append(
            f"Diagnostics for {item.input_name}: {item.method}, baseline "
            f"{baseline or item.options.get('baseline', 'n/a')}"
        )
        lines.append(f"  F(x) {_span(frame['output'])}; F(b) {_span(frame['baseline_output'])}")
        gap = frame["relative_gap"].to_numpy(dtype=float)
        if np.any(np.isfinite(gap)):
            steps = (
                f" (steps used {frame['n_steps'].min()}-{frame['n_steps'].max()})"
                if "n_steps" in frame
                else ""
            )
            lines.append(f"  max relative completeness gap {np.nanmax(gap):.2%}{steps}")
        errors = frame["max_standard_error"].to_numpy(dtype=float)
        if np.any(np.isfinite(errors)):
            lines.append(f"  max standard error {np.nanmax(errors):.3g}")
        faithful = frame["faithfulness"].to_numpy(dtype=float)
        if np.any(np.isfinite(faithful)):
            lines.append(
                f"  faithfulness vs random deletion orders: mean {np.nanmean(faithful):.3f} "
                "(0: no better than random, > 0: better)"
            )
        weak = frame[frame["weak"]]
        lines.append(f"  weak rows: {len(weak)} of {len(frame)}")
        for _, row in weak.head(max_weak).iterrows():
            where = f"sample {row['sample']}" + (
                f" step {row['output_time']}" if "output_time" in frame else ""
            )
            lines.append(f"    {where}: {row['reason']}")
        if len(weak) > max_weak:
            lines.append(f"    ... and {len(weak) - max_weak} more (see result.diagnostics())")
        notes.extend(text for text in item.warnings if text not in notes)
    lines.extend(f"Note: {text}" for text in notes)
    return lines


def _span(values: Any) -> str:
    import numpy as np

    array = np.asarray(values, dtype=float)
    if not np.any(np.isfinite(array)):
        return "n/a"
    low, high = np.nanmin(array), np.nanmax(array)
    return f"{low:.4g}" if low == high else f"from {low:.4g} to {high:.4g}"
