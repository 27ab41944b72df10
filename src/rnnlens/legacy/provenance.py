"""Which Keras version saved a loaded model, and which Keras 2 semantics rnnlens kept for it."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

__all__ = ["LegacyProvenance", "legacy_provenance", "record_provenance"]


@dataclass(frozen=True)
class LegacyProvenance:
    """Where a model rebuilt by :func:`rnnlens.legacy.load_legacy_model` came from.

    Attributes:
        keras_version: the version that saved the file (``"2.2.4"``, ``"2.2.4-tf"``...).
        backend: the backend the file names, or ``None``.
        semantics: one sentence per Keras 2 behaviour kept, e.g.
            ``"lstm: recurrent_activation hard_sigmoid kept as Keras 2's clip(0.2 x + 0.5, 0, 1)"``.
        dropped: ``"layer: key"`` for each config key dropped because Keras 3 refuses it or it does not
            change predictions.
    """

    keras_version: str
    backend: str | None
    semantics: tuple[str, ...]
    dropped: tuple[str, ...]

    def summary(self) -> str:
        """One line for ``describe``: ``"saved by Keras 2.2.4; Keras 2 semantics kept: ..."``."""
        kept = "; ".join(self.semantics) if self.semantics else "none needed"
        return f"saved by Keras {self.keras_version}; Keras 2 semantics kept: {kept}"


# Kept beside the model rather than written onto it, so a model is never changed by being loaded.
_PROVENANCE: weakref.WeakKeyDictionary[Any, LegacyProvenance] = weakref.WeakKeyDictionary()


def record_provenance(model: Any, provenance: LegacyProvenance) -> None:
    """Remember where ``model`` came from (for as long as the model lives)."""
    _PROVENANCE[model] = provenance


def legacy_provenance(model: Any) -> LegacyProvenance | None:
    """The provenance of a model loaded from a Keras 2 file, or ``None`` for any other model."""
    try:
        return _PROVENANCE.get(model)
    except TypeError:  # not weakly referenceable: not loaded by rnnlens
        return None
