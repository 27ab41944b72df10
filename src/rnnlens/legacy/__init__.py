"""Models saved by Keras 2 (``.h5``): read, rebuilt as Keras 3 models with Keras 2's exact semantics.

Keras 3 cannot rebuild many Keras 2 files, and rebuilding them by hand is silently wrong where a definition
changed (``hard_sigmoid``). :func:`load_legacy_model` rebuilds the architecture from the file's config,
translated layer by layer, and reads the weights in the file's order; :func:`legacy_provenance` says which
Keras version saved a loaded model and which Keras 2 semantics were kept.
"""

from __future__ import annotations

from rnnlens.legacy.files import LegacyFile, read_legacy_file, saved_keras_version
from rnnlens.legacy.load import load_legacy_model
from rnnlens.legacy.provenance import LegacyProvenance, legacy_provenance

__all__ = [
    "LegacyFile",
    "LegacyProvenance",
    "legacy_provenance",
    "load_legacy_model",
    "read_legacy_file",
    "saved_keras_version",
]
