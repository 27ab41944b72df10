"""Exceptions raised by rnnlens.

Every error a user can trigger is an :class:`RnnlensError`. Messages follow the Keras habit: which argument,
what was expected, what was received, and what to do about it. The class says whose mistake it is:

========================= ======================================== ==============================================
class                     the mistake                              example
========================= ======================================== ==============================================
``OptionError``           an option (keyword argument or CLI       ``attribute(..., n_steps=0)``; ``--top -1``;
                          flag) has the wrong type or value, does  ``threshold=0.3`` on a softmax output;
                          not apply here, or is unknown            ``method="shap"``; ``max_samples=0``
``DataError``             data is unreadable, non-numeric, NaN /   a corrupt .npz; a NaN in the inputs; a token id
                          inf, or inconsistent with its metadata   beyond the vocabulary; a missing vocab file
``ShapeError``            an array has the wrong rank or size for  ``(8, 5)`` inputs for a ``(batch, 10, 3)``
                          the model (0 samples included)           model; an empty array
``TargetError``           what to explain or decode is out of      ``Target(unit=7)`` on a 3-unit output;
                          range or ill-formed                      ``--samples 99`` with 10 samples; labels of
                                                                   the wrong length
``UnsupportedLayerError`` the model (a layer, cell or head) is not a custom cell for perturbation methods;
                          supported for the requested operation    greedy generation with a non-causal decoder
``ModelLoadError``        a model file is missing, corrupt, not a  ``load_model("missing.keras")``; a Lambda
                          Keras model, or needs unsafe loading     layer without ``safe_mode=False``
``OutputError``           an output path cannot be written         ``-o report.pdf``; a folder that does not
                                                                   exist; a full disk
``MemoryBudgetError``     a result would not fit the memory        a trace larger than ``--memory-budget-mb``
                          budget the user set                      kept in memory
``BackendError``          the Keras backend is unsupported or      ``KERAS_BACKEND=openvino``
                          cannot run the operation
========================= ======================================== ==============================================

Rules of thumb: a *count or size option* set to 0 (``max_samples=0``, ``batch_size=0``) is an
``OptionError``; *data* holding 0 samples is a ``ShapeError``; an index into the data or the output
(a sample, a time step, a unit) that does not exist is a ``TargetError``. An option whose *text or type*
cannot be read as what it expects (``--samples a-b``, ``--input-vocab`` without ``NAME=FILE``,
``labels="abc"``) is an ``OptionError``; a file it names that is missing or unreadable is a ``DataError``
(model files: ``ModelLoadError``). Every class but ``BackendError``,
``UnsupportedLayerError``, ``ModelLoadError`` and ``MemoryBudgetError`` is also a ``ValueError``
(``OutputError`` an ``OSError``), so callers that catch the builtin classes keep working.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "DataError",
    "MemoryBudgetError",
    "ModelLoadError",
    "OptionError",
    "OutputError",
    "RnnlensError",
    "ShapeError",
    "TargetError",
    "UnsupportedLayerError",
]


class RnnlensError(Exception):
    """Base class of every error rnnlens raises on purpose."""


class ModelLoadError(RnnlensError):
    """A model file is missing, corrupt, not a Keras model, or needs unsafe deserialisation."""


class UnsupportedLayerError(RnnlensError):
    """A layer or cell rnnlens cannot handle for the requested operation."""


class BackendError(UnsupportedLayerError):
    """The active Keras backend is not supported (rnnlens runs on tensorflow, jax and torch), or it cannot
    run the requested operation.

    It subclasses :class:`UnsupportedLayerError` only because that class was raised for an unsupported
    backend before ``BackendError`` existed: ``except UnsupportedLayerError`` keeps catching it. Catch
    ``BackendError`` in new code.
    """


class ShapeError(RnnlensError, ValueError):
    """An array has the wrong rank or size for the model or the operation."""


class DataError(RnnlensError, ValueError):
    """Data is unreadable, non-numeric, NaN / inf, or inconsistent with its metadata."""


class MemoryBudgetError(RnnlensError):
    """A result would not fit the memory budget the user set; stream it to disk or raise the budget."""


class OptionError(RnnlensError, ValueError):
    """An option has the wrong type or value (``n_steps=0``, an unknown method name, ...)."""


class TargetError(RnnlensError, ValueError):
    """An attribution or decoding target is out of range or ill-formed."""


class OutputError(RnnlensError, OSError):
    """An output path cannot be written: bad suffix, missing or read-only folder, not a regular file,
    or the disk filled up while writing (the old file, if any, is left untouched)."""
