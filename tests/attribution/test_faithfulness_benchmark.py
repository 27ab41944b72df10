"""The fast variant of bench/faithfulness.py (#12 item 5): on two layouts of the Ismail et al. box benchmark,
the recommended explanation finds the informative box better than a random map and than zero-baseline
integrated gradients with a fixed rule. Models are trained here, seeded, in a temporary cache."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "faithfulness.py"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("faithfulness_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    module.CACHE = tmp_path_factory.mktemp("bench-cache")
    return module


@pytest.mark.parametrize("layout", ["Middle", "RareTime"])
def test_the_default_explanation_beats_random_and_zero_baseline_ig(bench, layout):
    import warnings

    box = bench.LAYOUTS[layout]
    train_x, train_y, _ = bench.make_data(box, 1000, 0)
    test_x, test_y, test_mask = bench.make_data(box, 200, 1)
    model = bench.trained_model(box, (train_x, train_y), 16, 10, 0)
    assert bench.accuracy(model, test_x, test_y) >= 0.95  # the model can only be using the box
    x, mask = test_x[:12], test_mask[:12]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = bench.attribute("default", model, x, train_x, seed=0)
        zero_ig = bench.attribute("ig:n_steps=50", model, x, train_x, seed=0)
    assert default.method == "integrated_gradients" and "opposite" in default.options["baseline"]
    found = bench.scores(np.abs(default.values), mask)["auprc"]
    chance = bench.scores(bench.attribute("random", model, x, train_x, seed=0), mask)["auprc"]
    before = bench.scores(np.abs(zero_ig.values), mask)["auprc"]
    assert found > chance + 0.1 and found > before
