"""Exceptions raised by rnnlens.

Every error a user can trigger is an :class:`RnnlensError`. Messages follow the Keras habit: which argument,
what was expected, what was received, and what to do about it.
"""

from __future__ import annotations

__all__ = [
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
