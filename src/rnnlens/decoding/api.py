"""``decode``: pick the decoder for an output's head from its ModelSpec, run it, wrap the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from rnnlens.decoding._rows import RowContext
from rnnlens.decoding.binary import decode_binary
from rnnlens.decoding.categorical import decode_categorical
from rnnlens.decoding.generation import (
    GenerationOptions,
    generate_from_encoder,
    refuse_generation_options,
    refuse_teacher_forced,
    resolve_generation_options,
    wants_generation,
)
from rnnlens.decoding.interpretation import Interpretation
from rnnlens.decoding.options import (
    check_names,
    check_positive_int,
    check_target_offset,
    check_threshold,
    refuse_unused,
)
from rnnlens.decoding.regression import decode_regression
from rnnlens.decoding.regression_options import RegressionOptions, resolve_regression_options
from rnnlens.decoding.scaling import describe_scaler
from rnnlens.decoding.thresholds import METHODS, choose_threshold
from rnnlens.errors import DataError, OptionError, ShapeError, TargetError

__all__ = ["decode", "head_kind"]


def head_kind(output: Any) -> tuple[str, str]:
    """``(kind, transform)`` for an :class:`~rnnlens.inspection.OutputSpec`.

    ``kind`` is ``binary`` / ``multilabel`` / ``categorical`` / ``regression`` / ``raw``; ``transform`` is
    what turns the raw output into probabilities: ``none``, ``sigmoid`` / ``softmax`` (logits: a real-valued
    head trained with a ``from_logits=True`` loss, see ``inspect_model``) or ``exp`` (log_softmax).
    """
    meaning = output.head.meaning
    units = output.size or 1
    if meaning in ("probability", "binary_logits"):
        transform = "sigmoid" if meaning == "binary_logits" else "none"
        return ("binary" if units == 1 else "multilabel"), transform
    if meaning in ("distribution", "logits"):
        return "categorical", "softmax" if meaning == "logits" else "none"
    if meaning == "log_distribution":
        return "categorical", "exp"
    if meaning in ("value", "nonnegative_value", "bounded_value"):
        return "regression", "none"
    return "raw", "none"


def decode(
    model: Any,
    inputs: Any = None,
    predictions: Any = None,
    *,
    output: int | str | None = None,
    threshold: float | Sequence[float] | Literal["f1", "youden"] = 0.5,
    validation: tuple[Any, Any] | None = None,
    top_k: int = 3,
    labels: Sequence[str] | None = None,
    vocab: Sequence[str] | None = None,
    scaler: Any = None,
    target_index: int | Sequence[int] | None = None,
    target_names: Sequence[str] | None = None,
    target_offset: int = 0,
    horizon: bool = False,
    timestamps: Any = None,
    sequence_ids: Any = None,
    generate: bool | None = None,
    generation: GenerationOptions | None = None,
    batch_size: int = 512,
    start_token: int | str | None = None,
    end_token: int | str | None = None,
    max_length: int | None = None,
    regression: RegressionOptions | None = None,
    spec: Any = None,
) -> Interpretation:
    """Turn a model's raw predictions into what they mean, using the output's head (see ``inspect_model``).

    * sigmoid: probability and label at ``threshold`` (a number, one per label, or ``"f1"`` / ``"youden"``
      to choose it on ``validation`` data); several units are read as multi-label.
    * softmax / log_softmax / logits: top-k labels with probabilities, entropy and margin, per step for
      sequence outputs.
    * encoder-decoder: without decoder inputs (or with ``generate=True``), greedy generation feeding the
      decoder its own previous token, per-step probabilities, stopping at ``end_token`` or ``max_length``;
      with decoder inputs, the teacher-forced next-token distributions read through ``vocab``.
    * linear / relu / tanh: values in original units through ``scaler``, each tied to its step and time.

    Args:
        model: a ``keras.Model`` or model path; a :class:`~rnnlens.inspection.ModelSpec` is enough when
            ``predictions`` are given.
        inputs: model inputs (array, list, dict by input name) or a :class:`rnnlens.data.Dataset`, whose
            class names, vocabulary, sequence ids, timestamps and mask are used; or
            :class:`rnnlens.validation.PreparedInputs` (not validated again; its ``data`` is read as a
            Dataset).
        predictions: the model's output(s), if already computed; the model is not run then.
        output: which model output to decode (index or name); default the first.
        threshold: sigmoid heads only.
        validation: ``(inputs, y_true)`` to choose the threshold on when ``threshold`` is a method name.
        top_k: softmax heads: classes listed per row.
        labels: class names (per output unit); default the Dataset's.
        vocab: token vocabulary of the output (encoder-decoder / token-level outputs).
        scaler, target_index, target_names, target_offset, horizon: deprecated, use
            ``regression=RegressionOptions(...)``.
        timestamps: ``(batch, time)`` input times (default the Dataset's).
        sequence_ids: ``(batch,)`` ids (default the Dataset's).
        generate: force (True) or forbid (False) greedy generation for encoder-decoder models.
        generation: greedy generation's settings (start and end token, steps at most), a
            :class:`~rnnlens.decoding.GenerationOptions`.
        batch_size: samples per compiled model call.
        start_token, end_token, max_length: deprecated, use ``generation=GenerationOptions(...)``.
        regression: how to read a regression head (scaler, target columns and names, offset, horizon),
            a :class:`~rnnlens.decoding.RegressionOptions`.
        spec: the model's :class:`~rnnlens.inspection.ModelSpec` when already computed
            (:func:`rnnlens.inspect_model`), so the model is not inspected again; it must describe
            ``model`` (same name and outputs).

    Returns:
        An :class:`Interpretation`.

    Raises:
        ShapeError, DataError: inputs or predictions that do not fit the model (0 samples included), a
            scaler whose std is not positive and finite; validation labels that do not match the
            validation predictions, are not 0/1, or miss a class.
        TargetError: labels / thresholds / tokens that do not match the output, a ``target_offset``
            outside the sequence.
        OptionError: ``batch_size`` / ``top_k`` / ``max_length`` that are not positive integers, and
            options that do not apply to the output (a threshold for a softmax head, a scaler or labels
            for a classifier / regression head, generation options for a model that is not an
            encoder-decoder, or for an encoder-decoder read with teacher forcing); a threshold method
            name that is unknown, or given without ``validation`` data (or with ``validation`` inputs
            None); `regression` given with the old keywords it replaces; a `spec` of another model.
        UnsupportedLayerError: generation with a non-causal decoder.

    Example:
        >>> result = decode(model, x_test, labels=["negative", "positive"])  # doctest: +SKIP
        >>> result.table[["probability", "label"]].head()  # doctest: +SKIP
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    top_k = check_positive_int(top_k, "top_k")
    check_threshold(threshold)
    labels = check_names(labels, "labels")
    vocab = check_names(vocab, "vocab")
    reading = resolve_regression_options(
        regression,
        scaler=scaler,
        target_index=target_index,
        target_names=target_names,
        target_offset=target_offset,
        horizon=horizon,
    )
    settings = resolve_generation_options(generation, start_token, end_token, max_length)
    if isinstance(output, bool):
        raise TargetError(
            f"Argument `output` must be an output index or name, received {output!r}."
        )
    spec, keras_model = _spec_and_model(model, predictions, spec)
    out = spec.output(0 if output is None else output)
    _refuse_options_that_do_not_apply(
        out,
        head_kind(out)[0],
        threshold=threshold,
        validation=validation,
        labels=labels,
        regression=reading,
    )
    refuse_generation_options(out, head_kind(out)[0], generate, settings)
    prepared = inputs
    inputs = _described_inputs(inputs)
    data = inputs if _is_dataset(inputs) else None
    context = RowContext.from_data(data) if data is not None else RowContext()
    if timestamps is not None or sequence_ids is not None:
        context = RowContext(
            sequence_ids=context.sequence_ids if sequence_ids is None else np.asarray(sequence_ids),
            window_starts=context.window_starts,
            timestamps=context.timestamps if timestamps is None else np.asarray(timestamps),
            mask=context.mask,
        )
    class_names = labels if labels is not None else getattr(data, "labels", None)
    vocab = vocab if vocab is not None else getattr(data, "vocab", None)
    kind, transform = head_kind(out)
    meta: dict[str, Any] = {
        "task": out.task,
        "pattern": out.pattern,
        "head": out.head.activation,
        "meaning": out.head.meaning,
        "axes": list(out.axes),
        "feature_names": getattr(data, "feature_names", None),
        "source": getattr(data, "source", None),
    }
    if (
        keras_model is not None
        and predictions is None
        and wants_generation(out, kind, keras_model, inputs, generate, data is not None)
    ):
        names = vocab if vocab is not None else class_names
        return generate_from_encoder(
            keras_model, out, inputs, data, transform, names, settings, batch_size, meta
        )
    if generate:
        raise OptionError(
            f"generate=True needs an encoder-decoder model whose output is a distribution over tokens, "
            f"and the model itself (not predictions); output {out.name!r} is {out.pattern} "
            f"{out.head.meaning}."
        )
    if out.pattern == "encoder-decoder":
        refuse_teacher_forced(out, settings)
    raw = _predictions(keras_model, spec, out, prepared, predictions, batch_size)
    meta["notes"] = []
    if transform in ("sigmoid", "softmax"):
        meta["notes"].append(
            f"Output {out.name!r} holds logits (its loss was compiled with from_logits=True): "
            f"probabilities are the {transform} of the raw values."
        )
    if kind in ("binary", "multilabel"):
        probs = _transform(raw, transform)
        cut, how = _threshold(threshold, keras_model, spec, out, validation, transform, batch_size)
        meta.update(threshold=cut.tolist() if cut.size > 1 else float(cut[0]), threshold_method=how)
        meta["class_names"] = None if class_names is None else list(class_names)
        table = decode_binary(probs, threshold=cut, class_names=class_names, context=context)
    elif kind == "categorical":
        names = class_names
        if names is None and vocab is not None:
            names = vocab
        if out.pattern == "encoder-decoder":
            meta["notes"].append(
                "Teacher-forced reading: each step's distribution is conditioned on the decoder inputs "
                "given, not on the model's own previous outputs. Use generate=True to generate."
            )
        meta["class_names"] = None if names is None else list(names)
        table = decode_categorical(
            _transform(raw, transform), top_k=top_k, class_names=names, context=context
        )
    elif kind == "regression":
        check_target_offset(reading.target_offset, _sequence_length(spec, raw, context))
        meta.update(
            scaler=describe_scaler(reading.scaler), target_offset=int(reading.target_offset)
        )
        if out.head.meaning == "bounded_value" and reading.scaler is None:
            meta["notes"].append(
                "tanh head: values lie in [-1, 1]; pass the scaler to get target units."
            )
        table = decode_regression(
            raw,
            scaler=reading.scaler,
            target_index=reading.target_index,
            target_names=reading.target_names,
            target_offset=reading.target_offset,
            horizon=reading.horizon,
            context=context,
        )
    else:
        meta["notes"].append(
            f"Output {out.name!r} is {out.head.meaning.replace('_', ' ')} ({out.kind}), not a prediction "
            "head: its values are shown as they are."
        )
        table = decode_regression(raw, target_names=None, context=context)
    return Interpretation(kind=kind, output=out.name, table=table, meta=meta, predictions=raw)


def _refuse_options_that_do_not_apply(
    out: Any,
    kind: str,
    *,
    threshold: Any,
    validation: Any,
    labels: Any,
    regression: RegressionOptions,
) -> None:
    """Options set for another kind of head are mistakes: say so instead of ignoring them."""
    default_threshold = (
        not isinstance(threshold, str)
        and np.size(threshold) == 1
        and (float(np.asarray(threshold, dtype=np.float64).reshape(-1)[0]) == 0.5)
    )
    if kind not in ("binary", "multilabel"):
        refuse_unused(
            {"threshold": not default_threshold, "validation": validation is not None},
            out.name,
            kind,
            "sigmoid (binary / multi-label) outputs",
        )
    if kind != "regression":
        refuse_unused(regression.given(), out.name, kind, "regression outputs")
    if kind == "regression" and regression.scaler is None and regression.target_index is not None:
        raise OptionError(
            "Argument `target_index` picks the scaler column of each target, but no `scaler` was "
            "given. Pass the scaler too, or drop target_index."
        )
    if kind in ("regression", "raw"):
        refuse_unused({"labels": labels is not None}, out.name, kind, "classification outputs")


def _sequence_length(spec: Any, raw: np.ndarray, context: RowContext) -> int | None:
    """Steps of the sequence an output step's offset is counted in: the output's own time axis, else the
    input's (the timestamps' width when the model's input length is not fixed)."""
    if raw.ndim == 3:
        return int(raw.shape[1])
    for item in spec.inputs:
        if "time" in item.axes and item.shape[item.axes.index("time")] is not None:
            return int(item.shape[item.axes.index("time")])
    if context.timestamps is not None:
        return int(np.asarray(context.timestamps).shape[1])
    return None


def _spec_and_model(model: Any, predictions: Any, spec: Any = None) -> tuple[Any, Any]:
    """The ``ModelSpec`` to decode with and the Keras model to run (None when only a spec was given).

    Raises:
        TargetError: a ModelSpec as ``model`` without predictions.
        OptionError: a ``spec`` that is not a ModelSpec, or that describes another model.
    """
    from rnnlens.inspection import ModelSpec, inspect_model

    if spec is not None and not isinstance(spec, ModelSpec):
        raise OptionError(
            "Argument `spec` must be a ModelSpec (from rnnlens.inspect_model(model)) or None, received "
            f"{type(spec).__name__}."
        )
    if isinstance(model, ModelSpec):
        if predictions is None:
            raise TargetError(
                "decode() received a ModelSpec without predictions; pass the keras.Model to run it, or "
                "the predictions to decode."
            )
        return model, None
    from rnnlens.loading import ensure_model

    keras_model = ensure_model(model)
    if spec is None:
        return inspect_model(keras_model), keras_model
    _check_spec_fits(spec, keras_model)
    return spec, keras_model


def _check_spec_fits(spec: Any, model: Any) -> None:
    """Refuse a ModelSpec of another model: its name, output names and output shapes must be the model's.

    Raises:
        OptionError: the spec describes another model.
    """
    from rnnlens.inspection.graph import output_names

    theirs = [(item.name, tuple(item.shape)) for item in spec.outputs]
    ours = [
        (name, tuple(tensor.shape))
        for name, tensor in zip(output_names(model), model.outputs, strict=True)
    ]
    if spec.name != model.name or theirs != ours:
        raise OptionError(
            f"Argument `spec` describes model {spec.name!r} with outputs {theirs}, but `model` is "
            f"{model.name!r} with outputs {ours}. Pass rnnlens.inspect_model(model) of this model, or "
            "leave `spec` out."
        )


def _described_inputs(inputs: Any) -> Any:
    """What the inputs say about themselves: the Dataset a :class:`PreparedInputs` came from, or its
    arrays; any other inputs as they are."""
    from rnnlens.validation import PreparedInputs

    if not isinstance(inputs, PreparedInputs):
        return inputs
    return inputs.data if inputs.data is not None else list(inputs.arrays)


def _is_dataset(value: Any) -> bool:
    from rnnlens.data import Dataset

    return isinstance(value, Dataset)


def _model_arrays(model: Any, inputs: Any) -> list[np.ndarray]:
    from rnnlens.validation import prepare_inputs

    if inputs is None:
        raise ShapeError("decode() needs `inputs` to run the model, or `predictions` to decode.")
    # Both paths validate through prepare_inputs, which also refuses 0 samples and 0 steps (ShapeError),
    # and takes PreparedInputs validated for this model as they are.
    if _is_dataset(inputs):
        return inputs.model_inputs(model)  # type: ignore[no-any-return]
    return prepare_inputs(model, inputs)


def _predictions(
    model: Any, spec: Any, out: Any, inputs: Any, predictions: Any, batch_size: int
) -> np.ndarray:
    if predictions is None:
        if model is None:
            raise TargetError("decode() needs a keras.Model or predictions.")
        from rnnlens.decoding.forward import predict_outputs

        return predict_outputs(model, _model_arrays(model, inputs), batch_size=batch_size)[
            out.index
        ]
    if isinstance(predictions, Mapping):
        if out.name not in predictions:
            raise ShapeError(
                f"`predictions` is a dict without output {out.name!r}; received keys {sorted(predictions)}."
            )
        raw = predictions[out.name]
    elif isinstance(predictions, list | tuple) and len(spec.outputs) > 1:
        if len(predictions) != len(spec.outputs):
            raise ShapeError(
                f"The model has {len(spec.outputs)} outputs but `predictions` holds {len(predictions)}."
            )
        raw = predictions[out.index]
    else:
        raw = predictions
    array = np.asarray(raw)
    if array.ndim and array.shape[0] == 0:
        raise ShapeError(
            f"`predictions` for output {out.name!r} hold 0 samples (shape {array.shape}); pass at least "
            "one sample."
        )
    expected = tuple(out.shape)
    if array.ndim != len(expected) or any(
        want is not None and want != got
        for want, got in zip(expected[1:], array.shape[1:], strict=False)
    ):
        raise ShapeError(
            f"`predictions` for output {out.name!r} must have shape {_fmt(expected)}, received "
            f"{array.shape}."
        )
    return array


def _fmt(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("batch" if i == 0 else str(d) for i, d in enumerate(shape)) + ")"


def _transform(raw: np.ndarray, transform: str) -> np.ndarray:
    values = np.asarray(raw, dtype=np.float64)
    if transform == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * values))  # sigmoid without overflow for large |values|
    if transform == "softmax":
        shifted = np.exp(values - values.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    if transform == "exp":
        return np.exp(values)
    return np.asarray(raw)


def _threshold(
    threshold: Any,
    model: Any,
    spec: Any,
    out: Any,
    validation: tuple[Any, Any] | None,
    transform: str,
    batch_size: int,
) -> tuple[np.ndarray, str]:
    if not isinstance(threshold, str):
        return np.atleast_1d(np.asarray(threshold, dtype=np.float64)), "given"
    if threshold not in METHODS:
        raise OptionError(
            f"Argument `threshold` must be a number in [0, 1] or one of {METHODS}, received {threshold!r}."
        )
    if validation is None:
        raise OptionError(
            f"threshold={threshold!r} chooses the threshold on labelled validation data: pass "
            "validation=(x_val, y_val) (CLI --validation FILE with `y` or numeric `labels`)."
        )
    x_val, y_val = validation
    if x_val is None:
        raise OptionError("`validation` must be (inputs, y_true) with inputs, received None.")
    if model is None:
        raise TargetError(
            "Choosing a threshold on validation data needs the keras.Model, not a ModelSpec."
        )
    from rnnlens.decoding.forward import predict_outputs

    scores = _transform(
        predict_outputs(model, _model_arrays(model, x_val), batch_size=batch_size)[out.index],
        transform,
    )
    units = scores.shape[-1]
    truth = np.asarray(y_val)
    if truth.size != scores.size:
        raise DataError(
            f"Validation labels hold {truth.size} values but the model predicts {scores.size} "
            f"({scores.shape}); give one 0/1 label per prediction."
        )
    truth = truth.reshape(-1, units)
    flat = scores.reshape(-1, units)
    method: Literal["f1", "youden"] = "f1" if threshold == "f1" else "youden"
    cuts = [choose_threshold(truth[:, u], flat[:, u], method).threshold for u in range(units)]
    return np.asarray(cuts), f"{threshold} on {len(flat)} validation prediction(s)"
