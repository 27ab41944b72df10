"""``rnnlens.report(model, data, path)``: compute, lay out and write the HTML report in one call."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rnnlens.errors import OptionError, OutputError
from rnnlens.report.collect import DEFAULT_MAX_SAMPLES, collect_report
from rnnlens.report.html import write_report

__all__ = ["render_report"]


def render_report(
    model: Any = None,
    data: Any = None,
    path: str | os.PathLike[str] = "rnnlens-report.html",
    *,
    samples: Sequence[int] | None = None,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    method: str | None = None,
    target: Any = None,
    output: int | str = 0,
    states: bool = True,
    attributions: bool | Any = True,
    labels: Sequence[str] | None = None,
    vocab: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    method_options: dict[str, Any] | None = None,
    decode_options: Mapping[str, Any] | None = None,
    title: str | None = None,
    progress: bool = False,
    spec: Any = None,
    interpretation: Any = None,
    trace: Any = None,
    background: Any = None,
    faithfulness: bool = True,
    step_name: str | None = None,
    value_units: str | None = None,
    input_scaler: Any = None,
    fleet: str | os.PathLike[str] | None = None,
) -> Path:
    """Explain ``model`` on some samples of ``data`` and write one self-contained, interactive HTML file.

    The page holds the model's anatomy (one card per output), the decoded predictions and, for each chosen
    sample, how far to trust its attribution (method, baseline, F(x), F(baseline), completeness gap,
    standard errors, faithfulness; weak explanations flagged with their reason), an attribution heatmap
    (time x feature, or coloured tokens), the prediction over time for forecasts, state and gate heatmaps
    per recurrent layer, and for encoder-decoder models the alignment matrix (decoder step x encoder
    token). It needs no network to view.

    Args:
        model: a ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        data: a :class:`rnnlens.data.Dataset`, a data file (``.npy``, ``.npz``, ``.csv``, ``.parquet``,
            token ``.txt``), or arrays ``(batch, time, features)`` / ``(batch, time)`` token ids / one per
            model input.
        path: the ``.html`` file to write (atomically).
        background: reference samples from the training data (arrays, a Dataset or a data file): the
            attributions explain against them, and with ``method=None`` the recommended method is used.
            Without it the baseline is zeros, which the page flags as possibly misleading.
        step_name, value_units, input_scaler: how to speak of the data: what one step is (``"cycle"``,
            every time axis), the unit of a regression output (``"cycles"``, every colour bar), and the
            input features' scaler (inputs drawn in original units); see
            :func:`rnnlens.report.collect_report`.
        samples, max_samples, method, target, output, states, attributions, labels, vocab,
            method_options, decode_options, title, progress, spec, interpretation, trace, faithfulness: see
            :func:`rnnlens.report.collect_report` (``attributions``, ``spec``, ``interpretation`` and
            ``trace`` accept results already computed, which the report shows instead of recomputing)
            (``decode_options={"scaler": (mean, std), "target_offset": 1}`` shows a next-step
            forecaster's values in the target's units, each at the step it forecasts).
        fleet: the OUT folder of a fleet run (:func:`rnnlens.batch`): write its report instead
            (:func:`rnnlens.report.fleet.write_fleet_report`); only ``path`` and ``title`` apply.

    Returns:
        The path written.

    Raises:
        ModelLoadError, ShapeError, DataError, TargetError, OptionError: see
        :func:`~rnnlens.report.collect_report`. OutputError: ``path`` is not a path, its folder does not
        exist or is read-only, it names something other than a regular file (checked before any work),
        or writing failed.

    Example:
        >>> rnnlens.report(model, x_test, "report.html", samples=[0, 7], background=x_train)  # doctest: +SKIP
        PosixPath('report.html')
        >>> rnnlens.report(rul_model, engines, "rul.html", step_name="cycle", value_units="cycles",
        ...                input_scaler=scaler)  # doctest: +SKIP
        PosixPath('rul.html')
        >>> rnnlens.report(path="fleet.html", fleet="fleet_out")  # doctest: +SKIP
        PosixPath('fleet.html')
    """
    if fleet is not None:
        from rnnlens.report.fleet import write_fleet_report

        _refuse_with_fleet(locals())
        _check_path(path)
        return write_fleet_report(fleet, path, title=title)
    if model is None or data is None:
        raise OptionError(
            "rnnlens.report needs `model` and `data` (or `fleet=OUT` for the report of a fleet run)."
        )
    _check_path(path)
    report = collect_report(
        model,
        data,
        samples=samples,
        max_samples=max_samples,
        method=method,
        target=target,
        output=output,
        states=states,
        attributions=attributions,
        labels=labels,
        vocab=vocab,
        method_options=method_options,
        decode_options=decode_options,
        title=title,
        progress=progress,
        spec=spec,
        interpretation=interpretation,
        trace=trace,
        background=background,
        faithfulness=faithfulness,
        step_name=step_name,
        value_units=value_units,
        input_scaler=input_scaler,
    )
    return write_report(report, path)


#: A report is one HTML page; any other suffix is a mistyped name (a browser would not open it).
REPORT_SUFFIXES = (".html", ".htm")


def _check_path(path: Any) -> None:
    """Fail before any work on a path that cannot be written (wrong type, missing folder, a directory)."""
    from rnnlens._atomic import check_output_path

    if not isinstance(path, str | os.PathLike):
        raise OutputError(
            f"Argument `path` must be a file path (str or os.PathLike) for the .html report, received "
            f"{type(path).__name__} {path!r}."
        )
    check_output_path(path, REPORT_SUFFIXES, option="Argument `path`")


def _refuse_with_fleet(arguments: dict[str, Any]) -> None:
    """With ``fleet=``, every argument but ``path`` and ``title`` must keep its default."""
    import inspect

    given = [
        name
        for name, parameter in inspect.signature(render_report).parameters.items()
        if name not in ("path", "title", "fleet")
        and not _is_default(arguments[name], parameter.default)
    ]
    if given:
        raise OptionError(
            f"`fleet=` writes the report of a finished fleet run; {', '.join(given)} "
            f"{'does' if len(given) == 1 else 'do'} not apply there. Leave "
            f"{'it' if len(given) == 1 else 'them'} out, or call rnnlens.report(model, data, path) "
            "for samples."
        )


def _is_default(value: Any, default: Any) -> bool:
    if value is default:
        return True
    return type(value) in (bool, int, str) and type(value) is type(default) and value == default
