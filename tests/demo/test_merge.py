"""Several models' reports on one page keep each model's data-set view, with unique ids (#13 item 7)."""

from __future__ import annotations

import warnings
from collections import Counter

import keras
import numpy as np

from rnnlens.data import Dataset
from rnnlens.demo.merge import merge_reports
from rnnlens.report import collect_report, render_html
from tests.report.page_parser import PageStructure


def _regressor(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5, 2), name="x")
    hidden = keras.layers.GRU(3)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="value")(hidden), name=f"model_{seed}")


def test_merged_page_keeps_each_models_overview_with_unique_ids() -> None:
    rng = np.random.default_rng(0)
    data = Dataset(
        inputs={"x": rng.normal(size=(6, 5, 2)).astype("float32")},
        targets=rng.normal(size=6).astype("float32"),
    )
    reports = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in (1, 2):
            reports.append(
                collect_report(
                    _regressor(seed),
                    data,
                    samples=[0, 3],
                    states=False,
                    method_options={"n_steps": 4},
                    faithfulness=False,
                )
            )
    keys = [block.key for block in reports[0].overview]
    assert "truth" in keys and "importance" in keys

    merged = merge_reports("two models", [("First model", reports[0]), ("Second", reports[1])])
    assert [block.key for block in merged.overview] == [
        *(f"first-model-{key}" for key in keys),
        *(f"second-{key}" for key in (block.key for block in reports[1].overview)),
    ]
    assert all(
        block.heading.startswith(("First model · ", "Second · ")) for block in merged.overview
    )
    assert len(merged.attributions) == 2

    page = render_html(merged)
    structure = PageStructure(page)
    repeated = [name for name, count in Counter(structure.ids).items() if count > 1]
    assert repeated == []
    for block in merged.overview:
        assert f'href="#{block.key}"' in page  # the contents link to each model's block
    # The header says which model each fact is about; facts about the run appear once.
    meta = dict(merged.meta)
    assert meta["First model · model"] == "model_1" and meta["Second · model"] == "model_2"
    assert "model" not in meta and [key for key, _ in merged.meta].count("created") == 1
    # Truth tables link to the explained samples, which the merged page still holds.
    for index in (0, 3):
        assert f'id="sample-{index}"' in page
