"""``rnnlens.attribute``: one call for any registered method, with the diagnostics every result carries."""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rnnlens.attribution.base import Results, attach_labels
from rnnlens.attribution.baselines import Baseline, background_baseline, prepare_background
from rnnlens.attribution.diagnostics import (
    RECOMMENDED_FALLBACK,
    RECOMMENDED_METHOD,
    RECOMMENDED_OPTIONS,
    ZERO_BASELINE_WARNING,
    RnnlensWarning,
)
from rnnlens.attribution.faithfulness import faithfulness_scores
from rnnlens.attribution.labels import InputLabels
from rnnlens.attribution.options import OptionError
from rnnlens.attribution.references import NoOtherClassError, NotAClassifierError
from rnnlens.attribution.registry import MethodInfo, method_info
from rnnlens.attribution.result import AttributionResult
from rnnlens.validation import PreparedInputs

__all__ = ["attribute"]

_log = logging.getLogger("rnnlens")

# Options whose Captum name collides with this function's own arguments: integrated gradients calls its
# quadrature rule `method`, so here it is spelled `integration`.
_RENAMED = {"integration": "method"}
# Without background and method: today's default, with a warning about its zero baseline.
_DEFAULT_METHOD = "integrated_gradients"


def attribute(
    model: Any,
    inputs: Any,
    method: str | None = None,
    target: Any = None,
    baselines: Any = None,
    *,
    background: Any = None,
    faithfulness: bool = True,
    feature_names: Sequence[str] | None = None,
    sample_ids: Any = None,
    timestamps: Any = None,
    vocab: Sequence[str] | None = None,
    **options: Any,
) -> Results:
    """Attribute a model output to its inputs with a registered method, and say how far to trust it.

    Args:
        model: a ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        inputs: ``(batch, time, features)`` floats, ``(batch, time)`` token ids, a list / dict with one
            array per model input, or a :class:`rnnlens.data.Dataset` (from :func:`rnnlens.data.load_data`),
            whose feature names, sequence ids, timestamps and vocabulary travel into the results; or
            :class:`rnnlens.validation.PreparedInputs` (not validated again; its ``data`` labels them).
        method: a name from :func:`rnnlens.attribution.available_methods` or an alias (``"ig"``). None:
            with ``background`` (and no ``baselines``), the explanation that was most faithful on
            ``bench/faithfulness.py``: integrated gradients (adaptive steps) from the opposite-class
            reference of the background (:meth:`Baseline.opposite_class`) when the target reads a
            classifier output, else expected gradients over the background; which one is logged at info
            level and recorded in ``result.method`` and ``result.options["baseline"]``. Without
            ``background``: integrated gradients from zeros, with a warning.
        target: ``k`` (unit / class of a 2-D output), ``(t, k)`` (step ``t`` of a sequence output),
            ``"predicted"``, or :class:`rnnlens.attribution.Target` for windows and every-step matrices.
        baselines: see :class:`rnnlens.attribution.Baseline` (default zeros; with ``background``, its mean).
            Zeros without a background warn (:class:`~rnnlens.attribution.diagnostics.RnnlensWarning`):
            a zero sequence is rarely "no signal" for a recurrent model.
        background: reference samples from the training distribution, shaped like ``inputs`` (an array,
            a list / dict per input or a Dataset), validated like them. Expected gradients draws its
            baselines from it; methods that take one baseline use its per-feature mean
            (``Baseline.mean(background)``) when ``baselines`` is not given; other methods refuse it.
        faithfulness: score each row's ranking against random orders (``result.faithfulness``, see
            :mod:`rnnlens.attribution.faithfulness`), deleting towards the background's mean (else the
            baselines). Costs 50 forward passes per sample; False skips it. Every-step targets are not
            scored.
        feature_names: ``(features,)`` names of the (first float) input's features.
        sample_ids: ``(batch,)`` one id per sample.
        timestamps: ``(batch, time)`` the time of every step of the first input.
        vocab: the vocabulary of token inputs (position = token id): results gain the token text.
            These four override what a ``Dataset`` carries; results validate their lengths.
        **options: the method's options (``n_steps``, ``window``, ``internal_batch_size``, ...).
            Integrated gradients' quadrature rule (its ``method=``) is passed as ``integration=``.

    Returns:
        An :class:`AttributionResult`, or a tuple with one per input for multi-input models. Each
        carries its diagnostics (:meth:`AttributionResult.diagnostics`), ``options["baseline"]`` (what
        the baseline was, in words) and ``warnings``.

    Raises:
        OptionError: unknown method or option, a label for an axis the inputs lack, or ``background``
            for a method that takes no baseline. ShapeError, DataError, TargetError: bad inputs, baselines,
            background or target. ModelLoadError: the model file cannot be loaded.

    Example:
        >>> result = rnnlens.attribute(model, x, method="ig", target=(5, 0), n_steps=64)
        >>> result.top_k(2)[["sample", "time", "feature"]]
           sample  time  feature
        0       3     5        1
        1       3     5        0
    """
    recommended = method is None and background is not None and baselines is None
    if recommended:
        method, options = RECOMMENDED_METHOD, {**RECOMMENDED_OPTIONS, **options}
    info = method_info(method if method is not None else _DEFAULT_METHOD)
    cls = info.load()
    _check_options(info, cls, options)
    if not isinstance(faithfulness, bool):
        raise OptionError(
            f"Argument `faithfulness` must be True or False, received {faithfulness!r}."
        )
    labels = InputLabels.given(feature_names, sample_ids, timestamps, vocab)
    if isinstance(inputs, PreparedInputs) and inputs.data is not None:
        # The method reads the validated arrays; the Dataset they came from still names them.
        labels = InputLabels.from_dataset(inputs.data).updated(labels)
        inputs = PreparedInputs(inputs.arrays, inputs.model)
    own_options = {_RENAMED.get(key, key): value for key, value in options.items()}
    explainer = cls(model)
    notes: tuple[str, ...] = ()
    deleted_to: Any = baselines if baselines is not None else "zeros"
    if background is not None:
        mean = background_baseline(prepare_background(explainer.model, background))
        deleted_to = mean
        if info.background:
            own_options["background"] = background
            described = "drawn from the background"
        elif not info.baselines:
            raise OptionError(
                f"Method {info.name!r} takes no baseline, so `background` does not apply to it; "
                "leave it out, or use a method that takes baselines."
            )
        elif baselines is None:
            baselines, described = mean, "the background's per-feature mean"
        else:  # explicit baselines win; the background is still validated
            described = "given"
    elif baselines is None and (info.baselines or info.background):
        described, notes = "zeros", (ZERO_BASELINE_WARNING,)
        warnings.warn(ZERO_BASELINE_WARNING, RnnlensWarning, stacklevel=2)
    else:
        described = "given" if baselines is not None else "none"
    if recommended:
        result, described, info = _recommended(explainer, inputs, target, background, own_options)
    else:
        result = explainer.attribute(inputs, target=target, baselines=baselines, **own_options)
    results = list(result) if isinstance(result, tuple) else [result]
    if faithfulness:
        internal = own_options.get("internal_batch_size")
        results = [
            replace(
                item,
                faithfulness=faithfulness_scores(
                    explainer.model,
                    inputs,
                    item,
                    target=target,
                    baseline=deleted_to,
                    internal_batch_size=internal,
                ),
            )
            for item in results
        ]
    results = [_annotated(item, described, notes) for item in results]
    if not labels.empty:
        results = attach_labels(results, labels)
    return results[0] if len(results) == 1 else tuple(results)


def _recommended(
    explainer: Any, inputs: Any, target: Any, background: Any, options: dict[str, Any]
) -> tuple[Results, str, MethodInfo]:
    """The recommended explanation (see ``RECOMMENDED_METHOD``): integrated gradients from the
    opposite-class reference of the background when the target reads a classifier output, else expected
    gradients over the background. Says which it used (info log, ``result.method``, the baseline)."""
    try:
        result = explainer.attribute(
            inputs, target=target, baselines=Baseline.opposite_class(background), **options
        )
        described = "the mean background sample of another predicted class (opposite class)"
        info = method_info(RECOMMENDED_METHOD)
    except (NotAClassifierError, NoOtherClassError) as exc:
        info = method_info(RECOMMENDED_FALLBACK)
        public = {name: key for key, name in _RENAMED.items()}
        _check_options(info, info.load(), {public.get(key, key): v for key, v in options.items()})
        _log.info("rnnlens.attribute: no opposite class (%s); using %s.", exc, info.name)
        result = info.load()(explainer.model).attribute(
            inputs, target=target, background=background, **options
        )
        described = "drawn from the background"
    _log.info("rnnlens.attribute: no method given; used %s (baseline: %s).", info.name, described)
    return result, described, info


def _check_options(info: MethodInfo, cls: Any, options: dict[str, Any]) -> None:
    parameters = set(inspect.signature(cls.attribute).parameters)
    accepted = {
        public
        for public in (parameters - {"self", "inputs", "target", "baselines"})
        if public not in _RENAMED.values()
    } | {public for public, own in _RENAMED.items() if own in parameters}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise OptionError(
            f"Method {info.name!r} does not take option(s) {unknown}; its options are {sorted(accepted)}."
        )


def _annotated(
    result: AttributionResult, baseline: str, notes: tuple[str, ...]
) -> AttributionResult:
    return replace(
        result,
        options={**result.options, "baseline": baseline},
        warnings=(*notes, *result.warnings),
    )
