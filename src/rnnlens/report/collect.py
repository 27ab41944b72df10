"""Model + data -> ReportData: inspect, decode, trace and attribute the chosen samples, then lay them out.

The heavy work is four batched, compiled calls on the selected samples only (decode, trace, attribute:
:mod:`rnnlens.decoding`, :mod:`rnnlens.tracing`, :mod:`rnnlens.attribution`); the adapters in
:mod:`rnnlens.report.anatomy`, :mod:`.predictions` and :mod:`.sections` then read one row per sample.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

import rnnlens.report.sample_sections as sample_sections
from rnnlens.errors import OptionError, RnnlensError, TargetError, UnsupportedLayerError
from rnnlens.model_inputs import output_vocab_input
from rnnlens.report.anatomy import anatomy_cards
from rnnlens.report.curves_view import faithfulness_curves
from rnnlens.report.data import ReportData, SampleSection
from rnnlens.report.diagnostics import report_alerts
from rnnlens.report.input_scaling import input_scaler_for
from rnnlens.report.options import (
    DEFAULT_MAX_SAMPLES,
    ReportOptions,
    attribution_method,
    check_max_samples,
    report_options,
)
from rnnlens.report.overview import OverviewContext, overview_sections
from rnnlens.report.precomputed import Precomputed, precomputed
from rnnlens.report.predictions import prediction_table, sample_summary
from rnnlens.report.sample_sections import SampleContext, vocab_for
from rnnlens.report.sections import token_labels
from rnnlens.report.truth import choose_samples, flag_misclassified, truth_over_data
from rnnlens.validation import PreparedInputs

__all__ = ["DEFAULT_MAX_SAMPLES", "ReportOptions", "collect_report", "parts_for", "select_samples"]


def select_samples(n_samples: int, samples: Sequence[int] | None, max_samples: int) -> list[int]:
    """The data indices to report: ``samples`` as given (checked), else the first ``max_samples``.

    Raises:
        OptionError: ``samples`` empty or holding a non-integer, or ``max_samples < 1``.
        TargetError: an index out of range, or a repeated index.
    """
    from rnnlens.errors import OptionError

    check_max_samples(max_samples)
    if samples is None:
        return list(range(min(n_samples, int(max_samples))))
    chosen = []
    for value in samples:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise OptionError(
                f"Argument `samples` must hold sample indices (integers), received {value!r}."
            )
        index = int(value)
        if not -n_samples <= index < n_samples:
            raise TargetError(
                f"Sample index {index} is out of range: the data holds {n_samples} samples "
                f"(valid indices 0..{n_samples - 1})."
            )
        index %= n_samples
        if index in chosen:
            raise TargetError(
                f"Sample {index} is listed twice in `samples`; list each sample once."
            )
        chosen.append(index)
    if not chosen:
        raise OptionError("Argument `samples` is empty; list at least one sample index.")
    return chosen


def collect_report(
    model: Any,
    data: Any,
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
) -> ReportData:
    """Compute everything a report shows and return it as :class:`~rnnlens.report.data.ReportData`.

    Args:
        model: a ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        data: a :class:`rnnlens.data.Dataset`, a data file path (read with :func:`rnnlens.data.load_data`),
            or arrays: ``(batch, time, features)``, ``(batch, time)`` token ids, or one per model input.
        samples: data indices to explain (default: the first ``max_samples``).
        max_samples: how many samples when ``samples`` is not given.
        method: attribution method name or alias (``"integrated_gradients"``, ``"ig"``, ``"saliency"``...).
            None: with ``background``, the recommended method
            (:data:`rnnlens.attribution.diagnostics.RECOMMENDED_METHOD`); without, integrated gradients
            against a zero baseline, which the page flags as possibly misleading.
        target: what to attribute (see :func:`rnnlens.attribute`); default: every step of a sequence output,
            else the output's single unit or its predicted class.
        output: which model output to decode and explain (index or name).
        states: trace the recurrent layers and show state and gate heatmaps.
        attributions: attribute the output to the inputs (True / False), or the attributions already
            computed for the chosen samples: an ``AttributionResult`` or a tuple of them (one per input),
            shown as they are.
        labels: class names (default: the Dataset's).
        vocab: token vocabulary (default: the Dataset's), or one per token input by input name
            (encoder-decoder models whose source and target vocabularies differ).
        method_options: options for the attribution method, e.g. ``{"n_steps": 32}``.
        decode_options: options for :func:`rnnlens.decode` that say how to read the predictions:
            ``scaler`` and ``target_offset`` (regression values in the target's units, and the step each
            estimates: the table and the forecast plot use both), ``target_names``, ``target_index``,
            ``horizon``, ``threshold``, ``validation``, ``top_k``.
        title: page title (default ``"rnnlens report: <model name>"``).
        progress: show rich progress bars on stderr.
        spec: the model's ``ModelSpec`` (:func:`rnnlens.inspect_model`), if already computed.
        interpretation: the decoded predictions of exactly the chosen samples, in order
            (:func:`rnnlens.decode`), if already computed; ``labels``, ``vocab`` and ``decode_options``
            then do not apply to the predictions.
        trace: the trace of exactly the chosen samples (:func:`rnnlens.trace`), if already computed.
        background: reference samples from the training distribution (arrays shaped like ``data``, one
            per model input, a Dataset or a data file): the attribution explains against them (see
            :func:`rnnlens.attribute`), checked against the model before any work.
        faithfulness: score each explained row against random deletion orders (50 forward passes per
            sample; shown beside each map). Targets at every output step are not scored.
        step_name: what one input step is (``"cycle"``, ``"hour"``): the title of every time axis
            (default ``"token"`` for token models, else ``"time step"``).
        value_units: the unit of a regression output (``"cycles"``): attributions are then in
            "cycles of <output>" on every colour bar. Classifiers' units (probability, logit) are automatic.
        input_scaler: the scaler the input features were standardised with (an object with
            ``inverse_transform``, ``(mean, std)`` or ``{"mean", "std"}``, one value per feature): inputs
            are drawn in original units. Default: ``decode_options["scaler"]`` when it covers every feature.

    Beside each attribution map the page shows its diagnostics (method, baseline, F(x), F(baseline),
    completeness gap, standard errors, faithfulness, integration steps) and flags weak explanations with
    their reason; results passed in ``attributions`` show theirs too.

    Returns:
        The report data, ready for :func:`rnnlens.report.render_html` / :func:`~rnnlens.report.write_report`.

    Raises:
        ModelLoadError: the model cannot be loaded. ShapeError, DataError: the data does not fit the model.
        TargetError: a sample index out of range or repeated; a ``target`` or ``output`` that does not exist.
        OptionError: unknown method or option; ``samples``, ``max_samples``, ``labels`` or ``vocab`` of the
            wrong type or value; a ``background`` for a method that takes no baseline, or without
            attributions to compute; an argument of the wrong type (see
        :func:`rnnlens.report.options.report_options`); a precomputed result of the wrong type, or one
        computed for another model, output or other samples. Parts that cannot be computed for this model
        (e.g. gates of a custom cell) become notes in the report instead.

    Example:
        >>> data = collect_report(model, x, samples=[0, 3], method="ig")  # doctest: +SKIP
        >>> write_report(data, "report.html")  # doctest: +SKIP
    """
    given_attributions = None if isinstance(attributions, bool | np.bool_) else attributions
    if given_attributions is not None and background is not None:
        raise OptionError(
            "Argument `background` is reference data for attributions the report computes, but "
            "`attributions` holds results computed already: leave `background` out (pass it to "
            "rnnlens.attribute instead), or pass attributions=True."
        )
    given = precomputed(
        spec=spec, interpretation=interpretation, trace=trace, attributions=given_attributions
    )
    options = report_options(
        samples=samples,
        max_samples=max_samples,
        method=method,
        target=target,
        output=output,
        states=states if trace is None else True,
        attributions=attributions if given_attributions is None else True,
        labels=labels,
        vocab=vocab,
        method_options=method_options,
        decode_options=decode_options,
        title=title,
        background=background,
        faithfulness=faithfulness,
        step_name=step_name,
        value_units=value_units,
        input_scaler=input_scaler,
    )
    return _Collector(options, progress, given).run(model, data)


class _Collector:
    """One report's computation, stage by stage, with progress."""

    def __init__(
        self, options: ReportOptions, progress: bool, given: Precomputed | None = None
    ) -> None:
        self.options = options
        self.progress = progress
        self.given = given if given is not None else Precomputed()
        self.notes: list[str] = []
        self.input_scaler: Any = None

    def run(self, model: Any, data: Any) -> ReportData:
        from rnnlens.inspection import inspect_model
        from rnnlens.loading import ensure_model

        options, given = self.options, self.given
        computes = options.attributions and given.attributions is None
        if computes:
            from rnnlens.attribution.registry import method_info

            # Unknown names, and a background the method cannot use, fail before any work is done.
            _check_background(
                method_info(attribution_method(options.method, options.background)),
                options.background,
            )
        with _stages(self.progress) as stage:
            stage("Inspecting the model")
            keras_model = ensure_model(model)
            background = (
                _background(options.background, keras_model)
                if computes and options.background is not None
                else None
            )
            spec = given.spec if given.spec is not None else inspect_model(keras_model)
            out = spec.output(options.output)
            dataset, prepared = _dataset_and_arrays(data, keras_model)
            self.input_scaler = input_scaler_for(options.input_scaler, prepared.arrays)
            n_samples = prepared.n_samples
            chosen = select_samples(n_samples, options.samples, options.max_samples)
            labels = options.labels if options.labels is not None else _class_names(dataset, out)
            truth = self._optional(
                "Predictions against the truth",
                lambda: truth_over_data(
                    keras_model,
                    prepared.arrays,
                    dataset.targets,
                    out,
                    labels=labels,
                    decode_options=self.options.decode_options,
                ),
            )
            if truth is not None and options.samples is None:
                chosen = choose_samples(truth, options.max_samples)
            index = np.asarray(chosen)
            # The chosen rows, validated once above: decode, trace and attribute take them as they are.
            subset = prepared.rows(
                index, data=_subset(dataset, keras_model, list(prepared.arrays), index)
            )
            batch = list(subset.arrays)
            given.check(keras_model, spec, out, chosen, batch)
            vocab = options.vocab if options.vocab is not None else dataset.vocab

            stage("Decoding predictions")
            interpretation = (
                given.interpretation
                if given.interpretation is not None
                else self._decode(keras_model, spec, out, subset, labels, vocab)
            )

            trace = given.trace
            if options.states and trace is None:
                stage("Tracing states and gates")
                trace = self._guarded("States and gates", lambda: _trace(keras_model, subset))

            results: tuple[Any, ...] = given.attributions or ()
            if computes:
                stage("Attributing with " + attribution_method(options.method, options.background))
                found = self._guarded(
                    "Attributions",
                    lambda: _attribute(keras_model, spec, out, subset, options, background),
                )
                results = () if found is None else (found if isinstance(found, tuple) else (found,))

            stage("Laying out the report")
            sections = [
                self._section(
                    position,
                    sample,
                    spec,
                    out,
                    dataset,
                    batch,
                    interpretation,
                    trace,
                    results,
                    vocab,
                )
                for position, sample in enumerate(chosen)
            ]
            sections = flag_misclassified(sections, truth)
            curves = None
            # Curves read single targets: a map per output step has none to draw.
            if (
                results
                and options.faithfulness
                and computes
                and "output_time" not in results[0].axes
            ):
                curves = self._optional(
                    "Deletion and insertion curves",
                    lambda: faithfulness_curves(
                        keras_model,
                        batch,
                        results[0],
                        _target(out, options),
                        None if background is None else _one_or_list(background),
                    ),
                )
            overview = overview_sections(
                OverviewContext(
                    chosen=tuple(chosen),
                    dataset=dataset,
                    batch=batch,
                    truth=truth,
                    results=results,
                    trace=trace,
                    vocab=vocab,
                    curves=curves,
                    time_label=sample_sections.step_name_of(
                        SampleContext(
                            0, chosen[0], spec, out, dataset, batch, step_name=options.step_name
                        )
                    ),
                )
            )
        predictions = () if interpretation is None else (prediction_table(interpretation, chosen),)
        meta = [
            ("model", spec.name),
            ("output", out.name),
            ("samples", f"{len(chosen)} of {n_samples}"),
        ]
        if options.attributions and results:
            meta.append(("attribution", f"{results[0].method}: {results[0].target}"))
            meta.append(("baseline", str(results[0].options.get("baseline", "not recorded"))))
        meta += [("backend", _backend()), ("created", _now())]
        if dataset.source:
            meta.insert(1, ("data", str(dataset.source)))
        notes = [*dataset.notes, *self.notes]
        if interpretation is not None:
            notes += [str(n) for n in interpretation.meta.get("notes", []) or []]
        return ReportData(
            title=options.title or f"rnnlens report: {spec.name}",
            model_name=spec.name,
            anatomy=anatomy_cards(spec),
            predictions=predictions,
            samples=tuple(sections),
            notes=tuple(notes),
            meta=tuple(meta),
            alerts=report_alerts(results, chosen),
            attributions=results,
            overview=overview,
        )

    def _guarded(self, what: str, compute: Callable[[], Any]) -> Any:
        """Run ``compute``; a model rnnlens cannot analyse this way becomes a note, not a failure."""
        try:
            return compute()
        except UnsupportedLayerError as exc:
            self.notes.append(f"{what} are not shown: {exc}")
            return None

    def _optional(self, what: str, compute: Callable[[], Any]) -> Any:
        """Run ``compute`` for a part of the data-set view; one that does not apply becomes a note."""
        try:
            return compute()
        except RnnlensError as exc:
            self.notes.append(f"{what} are not shown: {exc}")
            return None

    def _decode(self, model: Any, spec: Any, out: Any, subset: Any, labels: Any, vocab: Any) -> Any:
        from rnnlens.decoding import decode

        options, regression = _regression_options(self.options.decode_options)
        return self._guarded(
            "Decoded predictions",
            lambda: decode(
                model,
                subset,
                output=out.index,
                labels=labels,
                vocab=vocab_for(vocab, output_vocab_input(model)),
                generate=False,
                regression=regression,
                spec=spec,
                **options,
            ),
        )

    def _section(
        self,
        position: int,
        sample: int,
        spec: Any,
        out: Any,
        dataset: Any,
        batch: list[np.ndarray],
        interpretation: Any,
        trace: Any,
        results: tuple[Any, ...],
        vocab: Any,
    ) -> SampleSection:
        context = SampleContext(
            position=position,
            sample=sample,
            spec=spec,
            out=out,
            dataset=dataset,
            batch=batch,
            interpretation=interpretation,
            trace=trace,
            results=results,
            vocab=vocab,
            decode_options=self.options.decode_options,
            time_ticks=_time_ticks(dataset, sample),
            step_ticks=_step_ticks(interpretation, position),
            step_name=self.options.step_name,
            value_units=self.options.value_units,
            input_scaler=self.input_scaler,
        )
        summary = _input_text(spec, batch, position, vocab)
        if interpretation is not None:
            summary += sample_summary(interpretation, position)
        fields: dict[str, tuple[Any, ...]] = {}
        extra: list[tuple[str, tuple[Any, ...]]] = []
        for kind in sample_sections.SAMPLE_SECTIONS:
            parts = kind.compute(context)
            if kind.field is not None:
                fields[kind.field] = parts
            elif parts:
                extra.append((kind.key, parts))
        return SampleSection(
            index=sample,
            title=f"Sample {sample}" + _sequence_label(dataset, sample),
            summary=summary,
            extra=tuple(extra),
            **fields,
        )


def parts_for(result: Any) -> list[Any] | None:
    """Deprecated: use :data:`rnnlens.report.parts.result_parts` (adapters registered per class).

    Report parts that show ``result`` (for :func:`rnnlens.report.result_html`), or ``None``.
    """
    import warnings

    from rnnlens.report.parts import result_parts

    warnings.warn(
        "rnnlens.report.collect.parts_for is deprecated; use rnnlens.report.parts.result_parts.",
        DeprecationWarning,
        stacklevel=2,
    )
    found = result_parts(result)
    return None if found is None else list(found)


@contextmanager
def _stages(show: bool) -> Iterator[Callable[[str], None]]:
    """The collector's five stages as a progress bar (or a no-op when ``show`` is False)."""
    from rnnlens.report.progress import stage_progress

    with stage_progress(5, show) as stage:
        yield stage


def _dataset_and_arrays(data: Any, model: Any) -> tuple[Any, PreparedInputs]:
    """The data as a Dataset, and its arrays in the order of ``model.inputs``, validated once."""
    from rnnlens.data import Dataset, load_data
    from rnnlens.model_inputs import input_names

    if isinstance(data, str | os.PathLike):
        data = load_data(data, model)
    prepared = PreparedInputs.of(model, data)
    if isinstance(data, Dataset):
        return data, prepared
    names = input_names(model)
    return Dataset(inputs=dict(zip(names, prepared.arrays, strict=True))), prepared


def _subset(dataset: Any, model: Any, arrays: list[np.ndarray], index: np.ndarray) -> Any:
    """The dataset restricted to the chosen samples (every per-sample field cut alike)."""
    from rnnlens.model_inputs import input_names

    changes: dict[str, Any] = {
        "inputs": {
            name: array[index] for name, array in zip(input_names(model), arrays, strict=True)
        }
    }
    for attribute in ("sequence_ids", "window_starts", "timestamps", "mask", "targets"):
        value = getattr(dataset, attribute)
        if value is not None:
            changes[attribute] = np.asarray(value)[index]
    return dataset.with_fields(**changes)


def _regression_options(decode_options: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """Split a report's ``decode_options`` into decode()'s keywords and its ``RegressionOptions``
    (the report keeps its flat spelling; decode() takes the regression settings as one value)."""
    from rnnlens.decoding.regression_options import REGRESSION_KEYWORDS, RegressionOptions

    rest = {key: value for key, value in decode_options.items() if key not in REGRESSION_KEYWORDS}
    given = {key: value for key, value in decode_options.items() if key in REGRESSION_KEYWORDS}
    if not given:
        return rest, None
    if "horizon" in given:
        given["horizon"] = bool(given["horizon"])  # read for its truth value, as decode() did
    return rest, RegressionOptions(**given)


def _trace(model: Any, batch: PreparedInputs) -> Any:
    from rnnlens.tracing import trace

    return trace(model, batch)


def _check_background(info: Any, background: Any) -> None:
    """Refuse a background the method cannot use, and a method that needs one without it."""
    if background is not None and not (info.baselines or info.background):
        raise OptionError(
            f"Argument `background` (CLI: --background) does not apply to {info.name}, which takes no "
            "baseline. Leave it out, or choose a method with a baseline such as integrated_gradients."
        )
    if background is None and info.background:
        raise OptionError(
            f"{info.name} draws its baselines from reference data: pass background= (CLI: --background "
            "FILE) with samples from the training data."
        )


def _background(background: Any, model: Any) -> list[np.ndarray]:
    """The background checked against the model (a data file is read first), one array per input."""
    from rnnlens.attribution.baselines import prepare_background
    from rnnlens.data import load_data

    if isinstance(background, str | os.PathLike):
        background = load_data(background, model)
    return prepare_background(model, background)


def _target(out: Any, options: ReportOptions) -> Any:
    """What the report explains: the option given, else every step of a sequence output, else the
    output's single unit or its predicted class."""
    from rnnlens.attribution import Target

    if options.target is not None:
        return options.target
    unit: Any = None if (out.size or 1) == 1 else "predicted"
    if out.is_sequence:
        return Target(output=out.index, time="all", unit=0 if unit is None else unit)
    return Target(output=out.index, unit=unit)


def _attribute(
    model: Any,
    spec: Any,
    out: Any,
    subset: Any,
    options: ReportOptions,
    background: list[np.ndarray] | None,
) -> Any:
    """Attribute the chosen samples; the Dataset carries feature names, sequence ids and timestamps along."""
    from rnnlens.attribution import attribute

    return attribute(
        model,
        subset,
        method=options.method,
        target=_target(out, options),
        background=None if background is None else _one_or_list(background),
        faithfulness=options.faithfulness,
        **options.method_options,
    )


def _one_or_list(arrays: list[np.ndarray]) -> Any:
    return arrays[0] if len(arrays) == 1 else arrays


def _input_text(
    spec: Any, batch: list[np.ndarray], position: int, vocab: Any
) -> tuple[tuple[str, str], ...]:
    """Each token input of the sample as text (padding id 0 left out), so the reader sees what was read."""
    pairs = []
    for item, array in zip(spec.inputs, batch, strict=True):
        if not item.tokens:
            continue
        ids = np.asarray(array[position]).reshape(-1)
        words = vocab_for(vocab, item.name)
        ids = (
            ids[ids != 0]
            if words is None or not words or words[0] in ("", "<pad>", "[PAD]")
            else ids
        )
        pairs.append((f"input {item.name}", " ".join(token_labels(ids, words))))
    return tuple(pairs)


def _time_ticks(dataset: Any, sample: int) -> tuple[str, ...] | None:
    if dataset.timestamps is None:
        return None
    return tuple(str(t) for t in np.asarray(dataset.timestamps)[sample])


def _step_ticks(interpretation: Any, position: int) -> tuple[str, ...] | None:
    """Decoder-step labels ``"<step>: <predicted token>"`` from a per-step categorical table."""
    if interpretation is None or not interpretation.per_timestep:
        return None
    table = interpretation.table
    column = next((c for c in ("label", "top1_label") if c in table.columns), None)
    if column is None:
        return None
    rows = table[table["sample"] == position]
    return tuple(f"{step}: {label}" for step, label in zip(rows["step"], rows[column], strict=True))


def _sequence_label(dataset: Any, sample: int) -> str:
    if dataset.sequence_ids is None:
        return ""
    start = (
        f", from step {int(dataset.window_starts[sample])}"
        if dataset.window_starts is not None
        else ""
    )
    return f" (sequence {np.asarray(dataset.sequence_ids)[sample]}{start})"


def _backend() -> str:
    try:
        from rnnlens import backends

        return backends.name()
    except RnnlensError:
        return "unknown"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _class_names(dataset: Any, out: Any) -> Any:
    """The data's class names, for outputs that have classes; a regression output has none to name.

    Labels the user passes explicitly are not filtered: giving labels to a regression output is their
    mistake to hear about, while a data file that happens to carry names must not break the report.
    """
    from rnnlens.decoding.api import head_kind

    kind, _ = head_kind(out)
    return dataset.labels if kind in ("binary", "multilabel", "categorical") else None
