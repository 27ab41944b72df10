"""What a head's final activation means, what the compiled loss says the task is, and where they disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "LossInfo",
    "activation_meaning",
    "consistency_warnings",
    "infer_task",
    "loss_info",
    "loss_names",
    "meaning_with_loss",
]

# meaning -> (value range, plain-language reading)
MEANINGS: dict[str, tuple[tuple[float | None, float | None], str]] = {
    "probability": (
        (0.0, 1.0),
        "sigmoid: each unit is an independent probability in [0, 1]; threshold it (0.5 by default) "
        "to get a label",
    ),
    "distribution": (
        (0.0, 1.0),
        "softmax: a probability distribution over the classes along the last axis (sums to 1)",
    ),
    "log_distribution": (
        (None, 0.0),
        "log_softmax: log-probabilities over the classes along the last axis (exp sums to 1)",
    ),
    "logits": (
        (None, None),
        "logits: unnormalised scores over the classes along the last axis (the loss was compiled with "
        "from_logits=True); softmax turns them into a probability distribution",
    ),
    "binary_logits": (
        (None, None),
        "logits: one unnormalised score per label (the loss was compiled with from_logits=True); "
        "sigmoid turns each into an independent probability in [0, 1]",
    ),
    "value": ((None, None), "linear: an unbounded value in the units of the training target"),
    "nonnegative_value": (
        (0.0, None),
        "a non-negative value in the units of the training target",
    ),
    "bounded_value": (
        (-1.0, 1.0),
        "tanh: a value bounded in [-1, 1] (targets must be scaled to it)",
    ),
    "hidden_state": (
        (-1.0, 1.0),
        "no head: the recurrent layer's own hidden representation, not a prediction",
    ),
    "unknown": ((None, None), "the final transformation is not a recognised activation"),
}

_ACTIVATION_MEANING = {
    "sigmoid": "probability",
    "hard_sigmoid": "probability",
    "softmax": "distribution",
    "log_softmax": "log_distribution",
    "linear": "value",
    "relu": "nonnegative_value",
    "relu6": "nonnegative_value",
    "softplus": "nonnegative_value",
    "exponential": "nonnegative_value",
    "tanh": "bounded_value",
    "hard_tanh": "bounded_value",
    "soft_sign": "bounded_value",
    "softsign": "bounded_value",
    "elu": "value",
    "selu": "value",
    "gelu": "value",
    "silu": "value",
    "swish": "value",
    "leaky_relu": "value",
}

_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "meansquarederror": "mean_squared_error",
    "mae": "mean_absolute_error",
    "meanabsoluteerror": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "meanabsolutepercentageerror": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "meansquaredlogarithmicerror": "mean_squared_logarithmic_error",
    "huber": "huber",
    "huberloss": "huber",
    "logcosh": "log_cosh",
    "poisson": "poisson",
    "cosinesimilarity": "cosine_similarity",
    "binarycrossentropy": "binary_crossentropy",
    "bce": "binary_crossentropy",
    "binaryfocalcrossentropy": "binary_focal_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "cce": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "categoricalfocalcrossentropy": "categorical_focal_crossentropy",
    "kldivergence": "kl_divergence",
    "kld": "kl_divergence",
    "kullbackleiblerdivergence": "kl_divergence",
    "hinge": "hinge",
    "squaredhinge": "squared_hinge",
    "categoricalhinge": "categorical_hinge",
}

BINARY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"}
CATEGORICAL_LOSSES = {
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_focal_crossentropy",
    "kl_divergence",
    "categorical_hinge",
}
REGRESSION_LOSSES = {
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
    "poisson",
    "cosine_similarity",
}
CROSS_ENTROPY = {
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_focal_crossentropy",
}


@dataclass(frozen=True)
class LossInfo:
    """A compiled loss reduced to a canonical name and its ``from_logits`` flag."""

    name: str | None
    from_logits: bool = False


def activation_meaning(activation: str | None) -> str:
    """Map an activation name to a meaning key of :data:`MEANINGS`."""
    if activation is None:
        return "value"
    return _ACTIVATION_MEANING.get(activation.lower(), "unknown")


def loss_info(loss: Any) -> LossInfo:
    """Canonicalise one loss: a string, a ``keras.losses.Loss``, a loss function or a serialised config."""
    if loss is None:
        return LossInfo(None)
    if isinstance(loss, str):
        return LossInfo(_canonical(loss))
    if isinstance(loss, dict) and "class_name" in loss:
        config = loss.get("config") or {}
        name = config.get("name") if isinstance(config, dict) else None
        canonical = _canonical(str(loss["class_name"]))
        if canonical not in _LOSS_ALIASES.values() and isinstance(name, str):
            canonical = _canonical(name)
        logits = bool(config.get("from_logits", False)) if isinstance(config, dict) else False
        return LossInfo(canonical, logits)
    from_logits = bool(getattr(loss, "from_logits", False))
    fn = getattr(loss, "fn", None)
    if fn is not None and hasattr(loss, "_fn_kwargs"):
        from_logits = bool(loss._fn_kwargs.get("from_logits", from_logits))
    name = type(loss).__name__ if not callable(loss) or hasattr(loss, "get_config") else None
    if name in (None, "LossFunctionWrapper"):
        name = (
            getattr(fn, "__name__", None) or getattr(loss, "__name__", None) or type(loss).__name__
        )
    return LossInfo(_canonical(str(name)), from_logits)


def loss_names(loss: Any) -> Any:
    """A compiled loss as plain names for display and JSON: one name, or a list / dict of names."""
    if loss is None:
        return None
    if isinstance(loss, dict) and "class_name" not in loss:
        return {str(key): loss_names(value) for key, value in loss.items()}
    if isinstance(loss, list | tuple):
        return [loss_names(item) for item in loss]
    return loss if isinstance(loss, str) else loss_info(loss).name


def loss_for_output(loss: Any, index: int, name: str, n_outputs: int) -> LossInfo:
    """The loss that applies to output ``index`` named ``name``, for single, list and dict losses."""
    if isinstance(loss, dict) and "class_name" not in loss:
        return loss_info(loss.get(name))
    if isinstance(loss, list | tuple):
        return loss_info(loss[index]) if index < len(loss) else LossInfo(None)
    return loss_info(loss)


def _canonical(name: str) -> str:
    key = name.lower().replace("_", "").replace(" ", "")
    return _LOSS_ALIASES.get(key, name.lower())


# Heads whose values are any real number: under a from_logits=True cross-entropy they are logits.
_LOGIT_CANDIDATES = ("value", "nonnegative_value", "bounded_value", "unknown")


def meaning_with_loss(meaning: str, loss: LossInfo) -> str:
    """The head's meaning once the loss is known: a real-valued head trained with a from-logits
    cross-entropy outputs logits (``logits`` for softmax losses, ``binary_logits`` for sigmoid ones)."""
    if meaning not in _LOGIT_CANDIDATES or not loss.from_logits or loss.name not in CROSS_ENTROPY:
        return meaning
    return "binary_logits" if loss.name in BINARY_LOSSES else "logits"


def infer_task(meaning: str, size: int | None, sequence: bool, pattern: str, loss: LossInfo) -> str:
    """Infer the task from the compiled loss when known, else from the head's activation."""
    family = None
    if loss.name in BINARY_LOSSES:
        family = "binary"
    elif loss.name in CATEGORICAL_LOSSES:
        family = "categorical"
    elif loss.name in REGRESSION_LOSSES:
        family = "regression"
    if family is None:
        family = {
            "probability": "binary",
            "distribution": "categorical",
            "log_distribution": "categorical",
            "logits": "categorical",
            "binary_logits": "binary",
            "value": "regression",
            "nonnegative_value": "regression",
            "bounded_value": "regression",
            "hidden_state": "representation",
        }.get(meaning, "unknown")
    if family == "binary":
        return "binary_classification" if (size or 1) == 1 else "multilabel_classification"
    if family == "categorical":
        if not sequence:
            return "multiclass_classification"
        return "sequence_generation" if pattern == "encoder-decoder" else "sequence_labelling"
    if family == "regression":
        return "forecasting" if sequence else "regression"
    return family


TASK_TEXT = {
    "binary_classification": "binary classification (one probability of the positive class)",
    "multilabel_classification": "multi-label classification (one independent probability per label)",
    "multiclass_classification": "multi-class classification (one distribution over the classes)",
    "sequence_labelling": "per-timestep classification (one distribution over the classes at each step)",
    "sequence_generation": "sequence generation (a distribution over the next token at each decoder step)",
    "regression": "regression (one value per target)",
    "forecasting": "sequence regression / forecasting (one value per target at each timestep)",
    "representation": "a learned representation (no prediction head)",
    "unknown": "unknown",
}


def consistency_warnings(
    meaning: str, activation: str | None, size: int | None, loss: LossInfo
) -> list[str]:
    """Contradictions between head and loss that make the output mean something other than intended."""
    warnings = []
    name = loss.name
    if meaning == "distribution" and size == 1:
        warnings.append(
            "softmax over a single unit always outputs 1.0, whatever the input: use Dense(1, "
            "activation='sigmoid') for a binary task, or one unit per class."
        )
    if meaning == "probability" and name in CATEGORICAL_LOSSES and (size or 1) > 1:
        warnings.append(
            f"sigmoid output trained with {name}: the per-class probabilities need not sum to 1, so they "
            "are not a distribution; use softmax, or binary_crossentropy for multi-label targets."
        )
    if meaning == "probability" and name == "sparse_categorical_crossentropy" and (size or 1) == 1:
        warnings.append(
            "a single sigmoid unit trained with sparse_categorical_crossentropy: that loss expects one "
            "unit per class; use binary_crossentropy."
        )
    unbounded = meaning in ("value", "nonnegative_value", "bounded_value")
    if unbounded and name in CROSS_ENTROPY and not loss.from_logits:
        warnings.append(
            f"{activation or 'linear'} output trained with {name} without from_logits=True: the loss "
            "treats unbounded values as probabilities; add a sigmoid/softmax or set from_logits=True."
        )
    if meaning in ("probability", "distribution") and loss.from_logits:
        warnings.append(
            f"{activation} output with a from_logits=True loss: the activation is applied twice during "
            "training; remove the activation or set from_logits=False."
        )
    if meaning == "distribution" and name in REGRESSION_LOSSES:
        warnings.append(
            f"softmax output trained with a regression loss ({name}): unusual; check the task."
        )
    if meaning == "hidden_state" and name in CROSS_ENTROPY:
        warnings.append("a raw recurrent output trained with cross-entropy: add a Dense head.")
    return warnings
