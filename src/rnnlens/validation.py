"""Check user arrays against a model's inputs before anything reaches Keras."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import DataError, ShapeError
from rnnlens.model_inputs import describe_inputs, first_layer, walk_layers

__all__ = [
    "PreparedInputs",
    "as_input_list",
    "check_array",
    "check_not_empty",
    "embedding_vocab_sizes",
    "input_names",
    "prepare_inputs",
    "to_numeric_array",
]

_FLOAT_DTYPES = ("float16", "float32", "float64")


@dataclass(frozen=True, eq=False)
class PreparedInputs:
    """Inputs already validated for one model, so the next entry point does not check them again.

    Build it with :meth:`of`; :func:`prepare_inputs`, :func:`as_input_list` and every entry point that reads
    inputs through them (``trace``, ``attribute``, ``decode``) take it as it is when it was validated for
    the same model object, and validate its arrays like any others for another model. A report validates
    its data once this way and hands the chosen rows to each stage.

    Attributes:
        arrays: one validated array per model input, in the order of ``model.inputs``, ``(batch, ...)``.
            They are not copied: do not change them afterwards.
        model: the ``keras.Model`` they were validated for.
        data: the :class:`rnnlens.data.Dataset` they came from, whose names, ids and times the entry
            points read as they would from the Dataset itself; or None.

    Example:
        >>> prepared = PreparedInputs.of(model, np.zeros((2, 6, 2)))
        >>> prepared.n_samples, prepared.arrays[0].dtype
        (2, dtype('float32'))
        >>> prepared.rows([1]).n_samples
        1
    """

    arrays: tuple[np.ndarray, ...]
    model: Any
    data: Any = None

    @classmethod
    def of(cls, model: Any, inputs: Any, data: Any = None) -> PreparedInputs:
        """Validate ``inputs`` against ``model`` (:func:`prepare_inputs`) and keep the result.

        A :class:`rnnlens.data.Dataset` given as ``inputs`` is kept as ``data`` unless ``data`` is given.

        Raises:
            ShapeError, DataError: as :func:`prepare_inputs`.
        """
        arrays = prepare_inputs(model, inputs)
        if data is None and _arranges_itself(inputs):
            data = inputs
        return cls(arrays=tuple(arrays), model=model, data=data)

    @property
    def n_samples(self) -> int:
        """Number of samples (the batch size)."""
        return int(self.arrays[0].shape[0])

    def fits(self, model: Any) -> bool:
        """Were these arrays validated for ``model`` (the same object)?"""
        return self.model is model

    def rows(self, index: Any, data: Any = None) -> PreparedInputs:
        """The samples at ``index`` (an integer array or list), still validated; ``data`` describes them.

        Rows of valid inputs are valid: every check is per value or on an axis other than the batch.
        """
        chosen = np.asarray(index)
        return PreparedInputs(
            arrays=tuple(array[chosen] for array in self.arrays), model=self.model, data=data
        )


def input_names(model: Any) -> list[str]:
    """The names of ``model.inputs``, in order (without the ``:0`` suffix some backends add)."""
    return [described.name for described in describe_inputs(model)]


def as_input_list(model: Any, inputs: Any) -> list[Any]:
    """Arrange ``inputs`` (array, list or dict by input name) in the order of ``model.inputs``.

    Each entry comes back as an object with a ``shape`` of rank >= 1: arrays and tensors unchanged, nested
    lists converted to NumPy arrays. A :class:`rnnlens.data.Dataset` is arranged by input name.

    Raises:
        DataError: ``inputs`` (or one of its entries) is not array-like (``None``, a ``str``, a set, ...),
            or a nested list is ragged.
        ShapeError: the number of arrays or the dict keys do not match the model's inputs, or an entry is a
            scalar (0-d).
    """
    if isinstance(inputs, PreparedInputs):
        return list(inputs.arrays)  # checked again by prepare_inputs when it was for another model
    names = input_names(model)
    n_inputs = len(names)
    if _arranges_itself(inputs):  # a Dataset knows which of its arrays feeds which model input
        inputs = inputs.arrange(model)
    if inputs is None or isinstance(inputs, str | bytes | os.PathLike):
        hint = (
            " To read a data file, use `rnnlens.load_data(path, model)` first."
            if isinstance(inputs, str | os.PathLike)
            else ""
        )
        raise DataError(
            f"Argument `inputs` must be an array {_axes_hint(model)}, a list with one array per model "
            f"input or a dict keyed by input name; received {_describe(inputs)}.{hint}"
        )
    if isinstance(inputs, Mapping):
        missing = [name for name in names if name not in inputs]
        unknown = [key for key in inputs if key not in names]
        if missing or unknown:
            problem = (
                f"lacks model input(s) {missing}" if missing else f"has unknown key(s) {unknown}"
            )
            raise ShapeError(
                f"Argument `inputs` is a dict but {problem}; expected exactly the keys {names}, "
                f"received {[str(key) for key in inputs]}."
            )
        values = [inputs[name] for name in names]
    elif isinstance(inputs, list | tuple):
        if not inputs:
            raise ShapeError(
                f"Argument `inputs` is an empty {type(inputs).__name__}; pass at least one sample, "
                f"shaped {_axes_hint(model)}."
            )
        if n_inputs == 1 and len(inputs) != 1:
            values = [inputs]
        elif len(inputs) != n_inputs:
            raise ShapeError(
                f"The model has {n_inputs} input(s) {names}, but `inputs` holds {len(inputs)} arrays. "
                "Pass one array per model input, in order, or a dict keyed by input name."
            )
        else:
            values = list(inputs)
    elif n_inputs != 1:
        raise ShapeError(
            f"The model has {n_inputs} inputs {names}; pass a list of {n_inputs} arrays or a dict keyed "
            "by input name, not a single array."
        )
    else:
        values = [inputs]
    return [_array_like(value, name) for value, name in zip(values, names, strict=True)]


def to_numeric_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a NumPy array of real numbers (or booleans) in native byte order, rank >= 1.

    Big-endian arrays are converted to native order (exact). Everything that cannot be converted without
    loss or guessing is refused: complex numbers (the imaginary part would be dropped), ``float128`` /
    ``longdouble`` (Keras has no such dtype), strings, objects, dates, structured records, ragged lists.

    Raises:
        DataError: the value is not a numeric array (see above).
        ShapeError: the value is a scalar (0-d).
    """
    array = _asarray(value, name)
    if array.ndim == 0:
        raise ShapeError(
            f"Input {name!r} is a scalar (0-d, value {_short(array)}); expected an array with a batch "
            "axis first, such as (batch, time, features). Wrap a single sample as `x[None]`."
        )
    kind = array.dtype.kind
    if kind == "c":
        raise DataError(
            f"Input {name!r} is complex ({array.dtype}); rnnlens will not drop the imaginary part. "
            "Pass real values, e.g. `x.real`, or the real and imaginary parts as two features."
        )
    if kind not in "biuf":
        raise DataError(
            f"Input {name!r} must be numeric, received dtype {array.dtype}. Convert text or mixed "
            "columns to numbers first (token files: pass a vocabulary)."
        )
    if kind == "f" and array.dtype.itemsize > 8:
        raise DataError(
            f"Input {name!r} has dtype {array.dtype} (long double), which Keras cannot take. Convert it "
            "first: `x.astype('float64')` or `x.astype('float32')`."
        )
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))  # byte order only: exact
    return array


def check_not_empty(
    array: np.ndarray, name: str, expected_shape: Sequence[int | None] | None = None
) -> None:
    """Refuse an array with 0 samples or any other axis of size 0 (0 time steps, 0 features).

    Every entry point refuses these the same way, whether or not a model is known: the message names the
    axis and says what to pass (and, given ``expected_shape``, the size the model takes).

    Raises:
        ShapeError: some axis has size 0.
    """
    if array.size:
        return
    axis = next(i for i, size in enumerate(array.shape) if size == 0)
    if axis == 0:
        raise ShapeError(
            f"Input {name!r} holds 0 samples (shape {array.shape}); pass at least one sample."
        )
    role = {1: "time steps", 2: "features"}.get(axis, f"entries on axis {axis}")
    want = None if expected_shape is None else tuple(expected_shape)[axis]
    takes = f" (the model takes {want})" if want is not None else ""
    raise ShapeError(
        f"Input {name!r} has 0 {role} (shape {array.shape}); pass sequences of at least one step "
        f"with at least one feature{takes}."
    )


def check_array(
    value: Any,
    expected_shape: Sequence[int | None],
    *,
    name: str,
    integer: bool = False,
    vocab_size: int | None = None,
    dtype: str = "float32",
) -> np.ndarray:
    """Return ``value`` as a NumPy array after checking type, rank, sizes, dtype and finiteness.

    Feature inputs come back in ``dtype`` (float32 by default); integers and booleans become 0.0 / 1.0
    style floats, as Keras would cast them. Token inputs come back as int32; booleans are refused there
    (a token id is not a truth value).

    Args:
        value: the user's array-like, shape ``(batch, ...)``.
        expected_shape: the model input's shape, batch axis first (``None`` = any size).
        name: how to call this input in messages.
        integer: the input holds token ids (it feeds an ``Embedding``).
        vocab_size: token ids must lie in ``[0, vocab_size)``.
        dtype: the float dtype of feature inputs (the model input's dtype).

    Raises:
        ShapeError: a scalar, wrong rank, wrong size on a fixed axis, or an axis of size 0.
        DataError: non-numeric, complex or long-double values, ragged lists, NaN / inf, values beyond
            the float range, or token ids that are not valid integers.
    """
    array = to_numeric_array(value, name)
    expected = tuple(expected_shape)
    if array.ndim != len(expected):
        axes = "(batch, time, features)" if len(expected) == 3 else "(batch, time)"
        hint = ""
        if array.ndim == len(expected) - 1:
            hint = " For a single sample, add a batch axis: `x[None]`."
        raise ShapeError(
            f"Input {name!r} must have rank {len(expected)} {axes if len(expected) in (2, 3) else ''}"
            f" matching the model's input shape {_fmt(expected)}, received shape {array.shape}.{hint}"
        )
    check_not_empty(array, name, expected)
    for axis, (want, got) in enumerate(zip(expected, array.shape, strict=True)):
        if want is not None and want != got:
            role = {1: "time axis", 2: "feature axis"}.get(axis, f"axis {axis}")
            raise ShapeError(
                f"Input {name!r} has {got} on its {role} but the model expects {want} "
                f"(model input shape {_fmt(expected)}, received {array.shape})."
            )
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise DataError(
            f"Input {name!r} contains NaN or inf (first at index {tuple(int(i) for i in bad)}). "
            "Impute or drop those values before explaining the model."
        )
    if integer:
        return _token_ids(array, name, vocab_size)
    target = np.dtype(dtype if dtype in _FLOAT_DTYPES else "float32")
    if array.dtype == target:
        return array
    with np.errstate(over="ignore"):  # overflow is detected just below, with a clearer message
        converted = array.astype(target)
    if not np.all(np.isfinite(converted)):
        peak = float(np.max(np.abs(array.astype(np.float64))))
        raise DataError(
            f"Input {name!r} holds values beyond the range of {target} (largest magnitude {peak:.3g}); "
            "rescale the inputs as the model was trained."
        )
    return converted


def embedding_vocab_sizes(model: Any) -> dict[str, int]:
    """Map each model input that feeds an ``Embedding`` directly to the embedding's ``input_dim``.

    A view of :func:`rnnlens.model_inputs.describe_inputs`, which decides it once per model.
    """
    return {
        described.name: described.vocab_size
        for described in describe_inputs(model)
        if described.vocab_size is not None
    }


def prepare_inputs(model: Any, inputs: Any) -> list[np.ndarray]:
    """Validate ``inputs`` against ``model`` and return them as a list of arrays, one per model input.

    Args:
        model: a built ``keras.Model``.
        inputs: an array ``(batch, time, features)`` / ``(batch, time)`` for token models, a list with one
            array per input, or a dict keyed by input name; or :class:`PreparedInputs`, taken as they
            are when validated for this model.

    Returns:
        One array per model input: float32 (the input's float dtype) for features, int32 for token ids.

    Raises:
        ShapeError, DataError: see :func:`as_input_list` and :func:`check_array`; also inputs that
            disagree on the number of samples.
    """
    if isinstance(inputs, PreparedInputs) and inputs.fits(model):
        return list(inputs.arrays)
    arrays = as_input_list(model, inputs)
    prepared = []
    batch = None
    for described, value in zip(describe_inputs(model), arrays, strict=True):
        name = described.name
        array = check_array(
            value,
            described.shape,
            name=name,
            integer=described.tokens,
            vocab_size=described.vocab_size,
            dtype=described.dtype,
        )
        if batch is not None and array.shape[0] != batch:
            raise ShapeError(
                f"All inputs must hold the same number of samples; {name!r} has {array.shape[0]}, "
                f"the first input has {batch}."
            )
        batch = array.shape[0]
        prepared.append(array)
    return prepared


# Kept for callers that imported them from here; they live in rnnlens.model_inputs.
_walk = walk_layers
_first_layer = first_layer


def _token_ids(array: np.ndarray, name: str, vocab_size: int | None) -> np.ndarray:
    """Token ids as int32, refusing booleans, fractions and ids outside ``[0, vocab_size)`` (or int32)."""
    if array.dtype.kind == "b":
        raise DataError(
            f"Input {name!r} feeds an Embedding and must hold integer token ids, received booleans."
        )
    if array.dtype.kind == "f" and not np.all(np.equal(np.mod(array, 1), 0)):
        raise DataError(f"Input {name!r} feeds an Embedding and must hold integer token ids.")
    low, high = array.min(), array.max()
    limit = vocab_size if vocab_size is not None else 2**31
    if vocab_size is not None and (low < 0 or high >= vocab_size):
        raise DataError(
            f"Input {name!r} holds token ids outside [0, {vocab_size}): min {int(low)}, "
            f"max {int(high)}. Map unknown tokens to an out-of-vocabulary id."
        )
    if low < -(2**31) or high >= limit:
        raise DataError(
            f"Input {name!r} holds token ids outside the int32 range: min {int(low)}, max {int(high)}."
        )
    return array.astype(np.int32)


def _asarray(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except ValueError as exc:
        if "inhomogeneous" in str(exc) or "sequence" in str(exc):
            raise DataError(
                f"Input {name!r} is ragged: its nested lists have different lengths, so it is not an "
                "array. Pad the sequences to one length first (keras.utils.pad_sequences)."
            ) from None
        raise DataError(f"Input {name!r} could not be read as an array: {exc}.") from None
    except Exception as exc:  # objects whose __array__ fails (tensors on other devices, ...)
        raise DataError(
            f"Input {name!r} could not be read as an array ({type(exc).__name__}: {exc})."
        ) from None


def _array_like(value: Any, name: str) -> Any:
    """``value`` unchanged when it has a shape of rank >= 1; a nested list as a NumPy array; else refused."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        if len(value.shape) == 0:
            raise ShapeError(
                f"Input {name!r} is a scalar (0-d); expected an array with a batch axis first, such as "
                "(batch, time, features). Wrap a single sample as `x[None]`."
            )
        return value
    if isinstance(value, numbers.Number | np.generic):
        raise ShapeError(
            f"Input {name!r} is a single number ({value!r}); expected an array with a batch axis first, "
            "such as (batch, time, features)."
        )
    if isinstance(value, list | tuple) or hasattr(value, "__array__"):
        return to_numeric_array(value, name)
    raise DataError(
        f"Input {name!r} must be an array (NumPy array, tensor or nested list), received "
        f"{_describe(value)}."
    )


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '...' if len(text) > 60 else text}"


def _short(array: np.ndarray) -> str:
    text = repr(array.item()) if array.dtype.kind in "biufc" else str(array.dtype)
    return text[:40]


def _axes_hint(model: Any) -> str:
    try:
        shapes = [tuple(tensor.shape) for tensor in model.inputs]
    except Exception:
        return "(batch, time, features)"
    return " / ".join(_fmt(shape) for shape in shapes)


def _fmt(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("batch" if i == 0 else str(d) for i, d in enumerate(shape)) + ")"


def _arranges_itself(inputs: Any) -> bool:
    """True for a :class:`rnnlens.data.Dataset` (or any object with ``inputs`` and ``arrange(model)``).

    Read by its interface rather than its class: the data package validates through this module, so this
    module does not import it back.
    """
    return (
        not isinstance(inputs, np.ndarray | Mapping | list | tuple)
        and isinstance(getattr(inputs, "inputs", None), Mapping)
        and callable(getattr(inputs, "arrange", None))
    )
