"""``rnnlens convert OLD.h5 NEW.keras``: a Keras 2 model written as a Keras 3 file, checked after writing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import ModelLoadError, OutputError

if TYPE_CHECKING:
    from rnnlens.custom_objects import CustomObjects

__all__ = ["Conversion", "convert_model"]

# Random steps fed to inputs whose time axis has no fixed length.
_FREE_STEPS = 12
# Predictions of the written file may differ from the legacy model's by float32 rounding only.
_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Conversion:
    """What :func:`convert_model` wrote and checked.

    Attributes:
        path: the written ``.keras`` file.
        saved_by: the Keras version that saved the source file (None for a Keras 3 file).
        semantics: the Keras 2 semantics kept (e.g. ``hard_sigmoid`` as Keras 2 defined it).
        max_difference: the largest ``|prediction|`` difference between the source model and the
            written file, reloaded in safe mode, over ``samples`` random inputs and every output.
        samples: how many random inputs were compared.
    """

    path: Path
    saved_by: str | None
    semantics: tuple[str, ...]
    max_difference: float
    samples: int


def convert_model(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    samples: int = 8,
    seed: int = 0,
    custom_objects: CustomObjects | None = None,
) -> Conversion:
    """Load ``source`` (a Keras 2 or 3 ``.h5`` / ``.keras``) exactly and write it as a Keras 3 ``.keras`` file.

    The written file is reloaded in Keras safe mode and its predictions compared with the loaded source
    model's on random inputs; a difference beyond float32 rounding removes it again (nothing is left
    half-written). Keras 2 activations are saved as registered rnnlens functions, so the file loads in
    rnnlens, and in plain Keras once ``rnnlens`` is imported.

    Args:
        source: the model file to convert.
        target: the ``.keras`` file to write.
        samples: random inputs on which the written file must predict the same.
        seed: seeds those inputs.
        custom_objects: custom layers and functions the source names (a mapping, or a ``MODULE.py`` whose
            code runs: trusted files only); the written file needs them too when it is loaded.

    Raises:
        ModelLoadError: the source cannot be loaded, or the written file predicts differently.
        OutputError: ``target`` is not a ``.keras`` path that can be written.
    """
    import keras

    from rnnlens._atomic import atomic_path, check_output_path
    from rnnlens.custom_objects import resolve_custom_objects
    from rnnlens.legacy.provenance import legacy_provenance
    from rnnlens.loading import load_model

    out = check_output_path(target, (".keras",), option="target")
    objects = resolve_custom_objects(custom_objects)
    model = load_model(source, custom_objects=objects or None)
    inputs = _random_inputs(model, samples, seed)
    expected = _outputs(model, inputs)
    with atomic_path(out) as tmp:
        model.save(tmp)
        try:
            written = keras.saving.load_model(
                tmp, compile=False, safe_mode=True, custom_objects=objects or None
            )
        except Exception as exc:
            raise ModelLoadError(
                f"The converted model could not be read back in safe mode ({type(exc).__name__}: {exc}); "
                f"{out.name} was not written."
            ) from None
        got = _outputs(written, inputs)
        difference = max(
            (
                float(np.max(np.abs(a - b))) if a.size else 0.0
                for a, b in zip(expected, got, strict=True)
            ),
            default=0.0,
        )
        if not difference <= _TOLERANCE:
            raise ModelLoadError(
                f"The converted model predicts differently from {Path(source).name} (max difference "
                f"{difference:.3g} > {_TOLERANCE}); {out.name} was not written."
            )
    provenance = legacy_provenance(model)
    return Conversion(
        path=out,
        saved_by=provenance.keras_version if provenance is not None else None,
        semantics=tuple(provenance.semantics) if provenance is not None else (),
        max_difference=difference,
        samples=samples,
    )


def _random_inputs(model: Any, samples: int, seed: int) -> list[np.ndarray]:
    """One random batch per model input: token ids below the vocabulary, else N(0, 1) floats."""
    from rnnlens.model_inputs import describe_inputs

    rng = np.random.default_rng(seed)
    batch = []
    for item in describe_inputs(model):
        shape = (samples, *(_FREE_STEPS if size is None else int(size) for size in item.shape[1:]))
        if item.tokens:
            high = int(item.vocab_size) if item.vocab_size else 2
            batch.append(rng.integers(1 if high > 1 else 0, high, size=shape).astype(item.dtype))
        else:
            batch.append(rng.standard_normal(shape).astype("float32"))
    if not batch:
        raise OutputError("The model has no inputs to check the conversion with.")
    return batch


def _outputs(model: Any, inputs: list[np.ndarray]) -> list[np.ndarray]:
    out = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    flat = out if isinstance(out, list | tuple) else [out]
    return [np.asarray(item, dtype=np.float64) for item in flat]
