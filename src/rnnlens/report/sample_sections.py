"""The parts of a sample's section, as a registry: each entry computes its parts and names its layout.

Every entry of :data:`SAMPLE_SECTIONS` is a (compute, layout) pair: ``compute(context)`` returns the
sample's parts (diagnostics panels, heatmaps, token scores, series plots, state groups) and ``layout`` names
the template macro that draws them (``panels``: how far to trust each map; ``grid``: a grid of figures and
coloured tokens; ``groups``: one block per state group; ``figures``: views that draw their own plotly spec,
:mod:`rnnlens.report.explained_views`, each with its caption).
The page (one template loop), the notebook fragment and the demo's merged reports all iterate the registry,
so a new section is one entry here: its parts land in :attr:`SampleSection.extra` under its key unless
:class:`SampleSection` has a field of that name.

Example:
    >>> [kind.key for kind in SAMPLE_SECTIONS]
    ['checks', 'prediction', 'inputs', 'attribution', 'forecast', 'states', 'alignment']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlens.report.data import SampleSection, SeriesPlot
from rnnlens.report.diagnostics import diagnostics_panel
from rnnlens.report.explained_parts import (
    attribution_units,
    baseline_walk,
    inputs_beside_attributions,
)
from rnnlens.report.sections import (
    alignment_heatmap,
    attribution_parts,
    forecast_plot,
    state_groups,
    token_labels,
    vocab_for,
)

__all__ = [
    "SAMPLE_SECTIONS",
    "SampleContext",
    "SectionKind",
    "section_parts",
    "vocab_for",
]


@dataclass(frozen=True)
class SampleContext:
    """Everything a section may read about one reported sample.

    Attributes:
        position: the sample's row in the batched results (``interpretation``, ``trace``, ``results``).
        sample: the sample's index in the data.
        spec: the model's ``ModelSpec``; ``out`` the ``OutputSpec`` explained.
        dataset: the full ``Dataset`` (feature names, timestamps, targets are read at ``sample``).
        batch: the reported samples' model inputs, one ``(sample, ...)`` array per model input.
        interpretation, trace: the decoded predictions and the trace of the reported samples, or None.
        results: the attribution results of the reported samples (one per attributed input).
        vocab: the vocabulary, shared or per input name.
        decode_options: how predictions are read (``scaler``, ``target_offset``...).
        time_ticks: labels of the input time axis; step_ticks: labels of the output steps.
        step_name: what one input step is (``"cycle"``, ``"sample"``); default ``"token"`` for token
            models, else ``"time step"``.
        value_units: the unit of a regression output (``"cycles"``), for the attributions' units.
        input_scaler: the scaler of the input features (inputs are then drawn in original units); by
            default the ``scaler`` of ``decode_options`` when it covers every input feature.
    """

    position: int
    sample: int
    spec: Any
    out: Any
    dataset: Any
    batch: list[np.ndarray]
    interpretation: Any = None
    trace: Any = None
    results: tuple[Any, ...] = ()
    vocab: Any = None
    decode_options: Mapping[str, Any] = field(default_factory=dict)
    time_ticks: tuple[str, ...] | None = None
    step_ticks: tuple[str, ...] | None = None
    step_name: str | None = None
    value_units: str | None = None
    input_scaler: Any = None


@dataclass(frozen=True)
class SectionKind:
    """One kind of per-sample section.

    Attributes:
        key: the section's name: the html id is ``<key>-<sample index>`` and its CSS class ``<key>``.
        heading: the heading above its parts.
        layout: the template macro that draws the parts (``"panels"``, ``"grid"`` or ``"groups"``).
        compute: ``compute(context) -> parts`` for one sample.
        field: the :class:`SampleSection` field holding the parts (None: kept in ``SampleSection.extra``).
        folded: drawn inside a closed ``<details>`` the reader opens (long, detailed parts).
    """

    key: str
    heading: str
    layout: str
    compute: Callable[[SampleContext], tuple[Any, ...]]
    field: str | None = None
    folded: bool = False


def section_parts(sample: SampleSection, kind: SectionKind) -> tuple[Any, ...]:
    """The parts of ``kind`` in a sample's section."""
    if kind.field is not None:
        return tuple(getattr(sample, kind.field))
    return dict(sample.extra).get(kind.key, ())


def _is_alignment(context: SampleContext, result: Any) -> bool:
    """An encoder input's per-decoder-step token attribution of an encoder-decoder model."""
    spec = context.spec
    if spec.pattern != "encoder-decoder":
        return False
    per_step_tokens = result.tokens and "output_time" in result.axes
    decoders = [item.name for item in spec.inputs if item.role == "decoder"]
    decoder = decoders[0] if len(decoders) == 1 else spec.inputs[-1].name
    return bool(per_step_tokens and result.input_name != decoder)


def checks_section(context: SampleContext) -> tuple[Any, ...]:
    """How far to trust each attributed input's map (alignments included): one diagnostics panel each."""
    return tuple(
        diagnostics_panel(result, context.position, output_ticks=context.step_ticks)
        for result in context.results
    )


def attribution_section(context: SampleContext) -> tuple[Any, ...]:
    """Attribution maps of every attributed input (heatmaps, or coloured tokens), in the output's units."""
    parts: list[Any] = []
    for result in context.results:
        if _is_alignment(context, result):
            continue
        parts.extend(
            attribution_parts(
                result,
                context.position,
                feature_names=context.dataset.feature_names,
                vocab=vocab_for(context.vocab, result.input_name),
                time_ticks=context.time_ticks,
                output_ticks=context.step_ticks,
                value_label=f"attribution ({units_of(context, result)})",
                step_name=step_name_of(context),
            )
        )
    return tuple(parts)


def prediction_section(context: SampleContext) -> tuple[Any, ...]:
    """The walk from F(baseline) to F(x) through the top features or tokens (methods with a baseline)."""
    if not context.results:
        return ()
    first = context.results[0]
    walk = baseline_walk(
        context.results,
        context.position,
        units=units_of(context, first),
        vocab=context.vocab,
        feature_names=context.dataset.feature_names,
        output_tick=_last_output_tick(context, first),
    )
    return () if walk is None else (walk,)


def inputs_section(context: SampleContext) -> tuple[Any, ...]:
    """Each feature input over time beside its attribution (original units with a scaler)."""
    parts = []
    for result in context.results:
        plot = inputs_beside_attributions(
            result,
            context.position,
            units=units_of(context, result),
            feature_names=context.dataset.feature_names,
            time_ticks=context.time_ticks,
            step_name=step_name_of(context),
            scaler=(
                context.input_scaler
                if context.input_scaler is not None
                else context.decode_options.get("scaler")
            ),
        )
        if plot is not None:
            parts.append(plot)
    return tuple(parts)


def units_of(context: SampleContext, result: Any) -> str:
    """What ``result``'s attributions are measured in, in words (see
    :func:`rnnlens.report.explained_parts.attribution_units`)."""
    return attribution_units(
        context.out,
        result,
        context.position,
        interpretation=context.interpretation,
        decode_options=context.decode_options,
        value_units=context.value_units,
    )


def step_name_of(context: SampleContext) -> str:
    """What one input step is: the report's ``step_name``, else ``"token"`` for token models, else
    ``"time step"``."""
    if context.step_name:
        return context.step_name
    inputs = getattr(context.spec, "inputs", ())
    return "token" if inputs and all(item.tokens for item in inputs) else "time step"


def token_ticks(context: SampleContext) -> tuple[tuple[str, ...], ...]:
    """The sample's tokens, one tuple per token input: the labels of the time axes of token models."""
    ticks = []
    inputs = getattr(context.spec, "inputs", ())
    for item, array in zip(inputs, context.batch, strict=False):
        if item.tokens:
            words = vocab_for(context.vocab, item.name)
            ticks.append(token_labels(np.asarray(array[context.position]).reshape(-1), words))
    return tuple(ticks)


def _last_output_tick(context: SampleContext, result: Any) -> str | None:
    if "output_time" not in result.axes:
        return None
    if context.step_ticks:
        return context.step_ticks[-1]
    times = getattr(result, "output_times", None)
    return str(times[-1]) if times else None


def forecast_section(context: SampleContext) -> tuple[Any, ...]:
    """The prediction at every step, for forecasts (sequence regression outputs)."""
    interpretation = context.interpretation
    if interpretation is None or not _is_forecast(context.out, interpretation):
        return ()
    return (
        _forecast(
            context.out,
            interpretation,
            context.dataset,
            context.batch,
            context.position,
            context.sample,
            context.decode_options,
            step_name=step_name_of(context),
        ),
    )


def states_section(context: SampleContext) -> tuple[Any, ...]:
    """State and gate heatmaps of every traced layer, on the sample's steps (its tokens for token models)."""
    if context.trace is None:
        return ()
    return state_groups(
        context.trace,
        context.position,
        time_ticks=context.time_ticks,
        step_name=step_name_of(context),
        tick_choices=token_ticks(context),
    )


def alignment_section(context: SampleContext) -> tuple[Any, ...]:
    """Encoder-decoder alignments: decoder step x encoder token."""
    return tuple(
        alignment_heatmap(
            result,
            context.position,
            vocab=vocab_for(context.vocab, result.input_name),
            output_ticks=context.step_ticks,
            value_label=f"attribution ({units_of(context, result)})",
        )
        for result in context.results
        if _is_alignment(context, result)
    )


#: The per-sample sections, in page order.
SAMPLE_SECTIONS: tuple[SectionKind, ...] = (
    SectionKind("checks", "How far to trust the attributions", "panels", checks_section, "checks"),
    SectionKind("prediction", "From baseline to prediction", "figures", prediction_section),
    SectionKind("inputs", "Inputs beside their attributions", "figures", inputs_section),
    SectionKind("attribution", "Attribution", "grid", attribution_section, "attributions"),
    SectionKind("forecast", "Prediction over time", "grid", forecast_section, "forecasts"),
    SectionKind(
        "states", "States and gates (every unit)", "groups", states_section, "states", folded=True
    ),
    SectionKind("alignment", "Encoder-decoder alignment", "grid", alignment_section, "alignments"),
)


def _is_forecast(out: Any, interpretation: Any) -> bool:
    return bool(
        out.is_sequence
        and interpretation.kind == "regression"
        and interpretation.predictions is not None
        and np.asarray(interpretation.predictions).ndim == 3
    )


def _forecast(
    out: Any,
    interpretation: Any,
    dataset: Any,
    batch: list[np.ndarray],
    position: int,
    sample: int,
    decode_options: Mapping[str, Any],
    *,
    step_name: str = "time step",
) -> SeriesPlot:
    """The sample's prediction at every step, in the units and at the steps the decoded table gives.

    With a ``scaler`` the predictions and the targets (in the model's training units, like its output)
    are put back in the target's units; the inputs, in the model's units, are then left out of the plot.
    """
    from rnnlens.decoding.scaling import inverse_scale

    scaler = decode_options.get("scaler")
    target_index = decode_options.get("target_index")
    predictions = np.asarray(interpretation.predictions)[position]
    truth = None
    if dataset.targets is not None:
        candidate = np.asarray(dataset.targets)[sample]
        if candidate.size == predictions.size and np.issubdtype(candidate.dtype, np.number):
            truth = candidate.reshape(predictions.shape)
    float_inputs = [a for a in batch if np.issubdtype(a.dtype, np.floating) and a.ndim == 3]
    inputs = float_inputs[0][position] if float_inputs else None
    if scaler is not None:
        predictions = inverse_scale(predictions, scaler, target_index=target_index)
        if truth is not None:
            truth = inverse_scale(truth, scaler, target_index=target_index)
        inputs = None
    offset = int(interpretation.meta.get("target_offset", 0) or 0)
    start = int(dataset.window_starts[sample]) if dataset.window_starts is not None else 0
    title = f"{out.name}: prediction at every step"
    if offset:
        title += f", drawn at the step it estimates (t{offset:+d})"
    return forecast_plot(
        predictions,
        title=title,
        target_names=decode_options.get("target_names"),
        inputs=inputs,
        feature_names=dataset.feature_names,
        truth=truth,
        start=start,
        target_offset=offset,
        y_label="value" if scaler is None else "value (target units)",
        step_name=step_name,
    )
