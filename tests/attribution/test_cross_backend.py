"""TensorFlow, JAX and PyTorch give the same attributions for the same saved models (1e-4 relative)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import Target, attribute
from tests.backend_runner import run_in_backend, skip_unless_backend

CASES = {
    "forecaster": ("integrated_gradients", (6, 0), {"n_steps": 16}),
    "sentiment": ("integrated_gradients", None, {"n_steps": 16}),
    "translator": ("integrated_gradients", "all_predicted", {"n_steps": 16}),
    "translator_occlusion": ("occlusion", (2, "predicted"), {"window": 2}),
}

SNIPPET = """
import json
from tests.attribution.test_cross_backend import compute_all
print(json.dumps(compute_all({folder!r})))
"""


def _target(spec):
    if spec == "all":
        return Target(time="all")
    if spec == "all_predicted":
        return Target(time="all", unit="predicted")
    return spec


def compute_all(folder: str, models: dict | None = None) -> dict:
    """Every case's attributions (lists), computed with the active Keras backend."""
    from rnnlens.loading import load_model

    data = np.load(f"{folder}/inputs.npz")
    out = {}
    for case, (method, target, options) in CASES.items():
        name = case.split("_")[0]
        model = models[name] if models else load_model(f"{folder}/{name}.keras")
        inputs = [
            data[f"{case.split('_')[0]}_{i}"] for i in range(2 if "translator" in case else 1)
        ]
        result = attribute(
            model, inputs if len(inputs) > 1 else inputs[0], method, _target(target), **options
        )
        results = result if isinstance(result, tuple) else (result,)
        out[case] = [r.values.tolist() for r in results]
    return out


@pytest.fixture(scope="module")
def saved(
    tmp_path_factory, forecaster, series, sentiment, padded_tokens, translator, translation_pair
):
    folder = tmp_path_factory.mktemp("models")
    forecaster.save(folder / "forecaster.keras")
    sentiment.save(folder / "sentiment.keras")
    translator.save(folder / "translator.keras")
    np.savez(
        folder / "inputs.npz",
        forecaster_0=series,
        sentiment_0=padded_tokens,
        translator_0=translation_pair[0],
        translator_1=translation_pair[1],
    )
    models = {"forecaster": forecaster, "sentiment": sentiment, "translator": translator}
    return str(folder), compute_all(str(folder), models)


def _compare(reference: dict, other: dict) -> None:
    assert set(other) == set(reference)
    for case, arrays in reference.items():
        for expected, actual in zip(arrays, other[case], strict=True):
            expected, actual = np.asarray(expected), np.asarray(actual)
            scale = np.max(np.abs(expected))
            assert scale > 0, case
            np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4 * scale, err_msg=case)


def test_jax_matches_tensorflow(saved):
    folder, reference = saved
    _compare(reference, run_in_backend("jax", SNIPPET.format(folder=folder)))


@skip_unless_backend("torch")
def test_torch_matches_tensorflow(saved):
    folder, reference = saved
    _compare(reference, run_in_backend("torch", SNIPPET.format(folder=folder)))
