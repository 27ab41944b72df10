"""``rnnlens attribute MODEL DATA``: which input timesteps and features drove an output."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from rnnlens.cli._common import check_out, console, user_errors
from rnnlens.cli._data import (
    DATA_HELP,
    DataOptions,
    read_dataset,
    read_model_inputs,
    with_data_options,
)
from rnnlens.cli._method_options import METHOD_HELP, MethodFlags, with_method_options


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
        help="K (unit K of a 2-D output), T,K (step T, unit K of a sequence output), 'predicted', "
        "T,predicted, A:B,K (window sum), all,K (every step). Empty: the output's only value.",
    ),
    output: str = typer.Option("0", "--model-output", help="Which model output: index or name."),
    baseline: str = typer.Option(
        "zeros",
        "--baseline",
        "-b",
        help="zeros, mean or median (per feature, of --reference or DATA), opposite-class (the mean "
        "sequence of --reference / --background samples predicted as another class), or a .npy file.",
    ),
    reference: Path | None = typer.Option(
        None, "--reference", help="Reference data for mean / median baselines (.npy / .npz)."
    ),
    background: Path | None = typer.Option(
        None,
        "--background",
        help="Reference data from the training distribution (any DATA format): expected_gradients "
        "draws its baselines from it; methods with a baseline use its per-feature mean unless "
        "--baseline is given.",
    ),
    batch_size: int | None = typer.Option(
        None, "--batch-size", help="Rows per compiled call (default: sized by a 512 MB budget)."
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
    unsafe: bool = typer.Option(
        False, "--unsafe", help="Turn Keras safe mode off (runs Lambda code): trusted files only."
    ),
    data_options: DataOptions = DataOptions(),
    method_flags: MethodFlags = MethodFlags({}),
) -> None:
    """Attribute one output of MODEL on DATA to the input timesteps and features."""
    with user_errors():
        from rnnlens.attribution import attribute as run_attribution
        from rnnlens.attribution import save_results
        from rnnlens.attribution.diagnostics import RECOMMENDED_METHOD, RnnlensWarning
        from rnnlens.attribution.options import check_positive_int
        from rnnlens.attribution.registry import method_info
        from rnnlens.attribution.result import SAVE_SUFFIXES
        from rnnlens.errors import TargetError
        from rnnlens.loading import load_model

        # No method and a background: rnnlens.attribute picks the recommended explanation itself.
        recommended = method is None and background is not None and baseline in ("zeros", "")
        if method is None:
            method = RECOMMENDED_METHOD if background is not None else "integrated_gradients"
        info = method_info(method)
        options = method_flags.options_for(info)
        if batch_size is not None:
            options["internal_batch_size"] = check_positive_int(batch_size, "--batch-size")
        _check_flags(top, baseline, reference, info)
        _check_background(background, info)
        check_out(out, SAVE_SUFFIXES)
        keras_model = load_model(model, safe_mode=not unsafe)
        dataset = read_dataset(data, keras_model, data_options)
        reference_data = (
            read_model_inputs(background, keras_model, data_options)
            if background is not None
            else None
        )
        baselines = (
            _baselines(baseline, reference, dataset, keras_model, data_options, reference_data)
            if info.baselines
            else None
        )
        try:
            with warnings.catch_warnings():  # printed below from result.warnings, as notes
                warnings.simplefilter("ignore", RnnlensWarning)
                result = run_attribution(
                    keras_model,
                    dataset,
                    method=None if recommended else info.name,
                    target=_parse_target(target, output),
                    baselines=baselines,
                    background=reference_data,
                    faithfulness=faithfulness,
                    **options,
                )
        except TargetError as exc:
            raise TargetError(
                f"{exc} On the command line: --target K, --target T,K, --target T,predicted, "
                "--target A:B,K (window) or --target all,K (every step)."
            ) from None
        results = list(result) if isinstance(result, tuple) else [result]
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
            save_results(results, out)
            console.print(f"Wrote {out}", highlight=False)
        given = baseline if info.baselines and baseline not in ("zeros", "") else None
        for line in diagnostics_summary(
            results, baseline=f"{given} (--baseline)" if given else None
        ):
            console.print(line, markup=False, highlight=False)


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


def _check_flags(top: int, baseline: str, reference: Path | None, info: Any) -> None:
    from rnnlens.attribution.options import OptionError, check_positive_int

    check_positive_int(top, "--top", minimum=0)
    if not info.baselines and baseline not in ("zeros", ""):
        raise OptionError(
            f"--baseline does not apply to {info.name}, which takes no baseline; received "
            f"{baseline!r}. Leave --baseline out, or use {_methods_with_baselines()}."
        )
    if reference is not None and baseline not in ("mean", "median", "opposite-class"):
        raise OptionError(
            f"--reference is the data behind --baseline mean, median or opposite-class, but --baseline "
            f"is {baseline!r}; add --baseline mean (or median, opposite-class), or leave --reference out."
        )


def _check_background(background: Path | None, info: Any) -> None:
    from rnnlens.attribution.options import OptionError

    if background is None and info.background:
        raise OptionError(
            f"{info.name} draws its baselines from reference data; add --background FILE (samples from "
            "the training data, in any format DATA takes)."
        )
    if background is not None and not (info.background or info.baselines):
        raise OptionError(
            f"--background does not apply to {info.name}, which takes no baseline. Leave --background "
            f"out, or use {_methods_with_baselines()}."
        )


def _methods_with_baselines() -> str:
    from rnnlens.attribution.registry import METHODS

    names = [info.name for info in METHODS if info.baselines]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _baselines(
    spec: str,
    reference: Path | None,
    dataset: Any,
    model: Any,
    read: DataOptions,
    background: Any = None,
) -> Any:
    from rnnlens.attribution import Baseline
    from rnnlens.attribution.options import OptionError

    if spec in ("zeros", ""):
        return None
    if spec == "opposite-class":
        if reference is not None:
            return Baseline.opposite_class(read_model_inputs(reference, model, read))
        if background is None:
            raise OptionError(
                "--baseline opposite-class needs reference data to find samples of other classes: add "
                "--background FILE (or --reference FILE)."
            )
        return Baseline.opposite_class(background)
    if spec in ("mean", "median"):
        if reference is not None:
            data = read_model_inputs(reference, model, read)
        else:
            arrays = dataset.model_inputs(model)
            data = arrays[0] if len(arrays) == 1 else arrays
        return Baseline.mean(data) if spec == "mean" else Baseline.median(data)
    if not Path(spec).is_file():
        raise OptionError(
            f"--baseline must be zeros, mean, median, opposite-class or an existing data file (.npy / "
            ".npz) with one "
            f"baseline per sample; {spec!r} is none of these (the file does not exist)."
        )
    return read_model_inputs(Path(spec), model, read)


def _parse_target(text: str, output: str) -> Any:
    from rnnlens.attribution import Target
    from rnnlens.errors import TargetError

    which: int | str = int(output) if output.lstrip("-").isdigit() else output
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    if len(parts) > 2:
        raise TargetError(
            f"--target takes at most two comma-separated parts (time, unit), received {text!r}."
        )
    unit: Any = None
    time: Any = None
    if len(parts) == 1:
        if _is_time_only(parts[0]):
            time = _time(parts[0])
        else:
            unit = _unit(parts[0])
    elif len(parts) == 2:
        time, unit = _time(parts[0]), _unit(parts[1])
    return Target(output=which, time=time, unit=unit)


def _is_time_only(part: str) -> bool:
    return part == "all" or ":" in part


def _time(part: str) -> Any:
    from rnnlens.errors import TargetError

    if part == "all":
        return "all"
    try:
        if ":" in part:
            start, stop = part.split(":", 1)
            return slice(int(start) if start else None, int(stop) if stop else None)
        return int(part)
    except ValueError:
        raise TargetError(
            f"--target time must be an int, A:B or 'all', received {part!r}."
        ) from None


def _unit(part: str) -> Any:
    from rnnlens.errors import TargetError

    if part == "predicted":
        return "predicted"
    try:
        return int(part)
    except ValueError:
        raise TargetError(
            f"--target unit must be an int or 'predicted', received {part!r}."
        ) from None
