"""``rnnlens.attribute``: one call for any registered method."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from rnnlens.attribution.base import Results, attach_labels
from rnnlens.attribution.baselines import background_baseline, prepare_background
from rnnlens.attribution.labels import InputLabels
from rnnlens.attribution.options import OptionError
from rnnlens.attribution.registry import method_info
from rnnlens.validation import PreparedInputs

__all__ = ["attribute"]

# Options whose Captum name collides with this function's own arguments: integrated gradients calls its
# quadrature rule `method`, so here it is spelled `integration`.
_RENAMED = {"integration": "method"}


def attribute(
    model: Any,
    inputs: Any,
    method: str = "integrated_gradients",
    target: Any = None,
    baselines: Any = None,
    *,
    background: Any = None,
    feature_names: Sequence[str] | None = None,
    sample_ids: Any = None,
    timestamps: Any = None,
    vocab: Sequence[str] | None = None,
    **options: Any,
) -> Results:
    """Attribute a model output to its inputs with a registered method.

    Args:
        model: a ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        inputs: ``(batch, time, features)`` floats, ``(batch, time)`` token ids, a list / dict with one
            array per model input, or a :class:`rnnlens.data.Dataset` (from :func:`rnnlens.data.load_data`),
            whose feature names, sequence ids, timestamps and vocabulary travel into the results; or
            :class:`rnnlens.validation.PreparedInputs` (not validated again; its ``data`` labels them).
        method: a name from :func:`rnnlens.attribution.available_methods` or an alias (``"ig"``).
        target: ``k`` (unit / class of a 2-D output), ``(t, k)`` (step ``t`` of a sequence output),
            ``"predicted"``, or :class:`rnnlens.attribution.Target` for windows and every-step matrices.
        baselines: see :class:`rnnlens.attribution.Baseline` (default zeros; with ``background``, its mean).
        background: reference samples from the training distribution, shaped like ``inputs`` (an array,
            a list / dict per input or a Dataset), validated like them. Expected gradients draws its
            baselines from it; methods that take one baseline use its per-feature mean
            (``Baseline.mean(background)``) when ``baselines`` is not given; other methods refuse it.
        feature_names: ``(features,)`` names of the (first float) input's features.
        sample_ids: ``(batch,)`` one id per sample.
        timestamps: ``(batch, time)`` the time of every step of the first input.
        vocab: the vocabulary of token inputs (position = token id): results gain the token text.
            These four override what a ``Dataset`` carries; results validate their lengths.
        **options: the method's options (``n_steps``, ``window``, ``internal_batch_size``, ...).
            Integrated gradients' quadrature rule (its ``method=``) is passed as ``integration=``.

    Returns:
        An :class:`AttributionResult`, or a tuple with one per input for multi-input models.

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
    info = method_info(method)
    cls = info.load()
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
    labels = InputLabels.given(feature_names, sample_ids, timestamps, vocab)
    if isinstance(inputs, PreparedInputs) and inputs.data is not None:
        # The method reads the validated arrays; the Dataset they came from still names them.
        labels = InputLabels.from_dataset(inputs.data).updated(labels)
        inputs = PreparedInputs(inputs.arrays, inputs.model)
    own_options = {_RENAMED.get(key, key): value for key, value in options.items()}
    explainer = cls(model)
    if background is not None:
        if info.background:
            own_options["background"] = background
        elif not info.baselines:
            raise OptionError(
                f"Method {info.name!r} takes no baseline, so `background` does not apply to it; "
                "leave it out, or use a method that takes baselines."
            )
        elif baselines is None:
            baselines = background_baseline(prepare_background(explainer.model, background))
        else:  # explicit baselines win; the background is still validated
            prepare_background(explainer.model, background)
    result = explainer.attribute(inputs, target=target, baselines=baselines, **own_options)
    if labels.empty:
        return result
    labelled = attach_labels(list(result) if isinstance(result, tuple) else [result], labels)
    return labelled[0] if len(labelled) == 1 else tuple(labelled)
