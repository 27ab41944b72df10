"""The baseline-to-prediction views drawn in real Chromium: every figure draws, the waterfall's drawn bars
end at F(x), the inputs' hover data are the attributions, no console error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from rnnlens.report import collect_report, write_report
from tests.helpers import random_series
from tests.report.conftest import PageProbe


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_views_draw_and_carry_the_computed_values(browser: Any, tmp_path: Path) -> None:
    keras.utils.set_random_seed(5)
    inputs = keras.Input((6, 3), name="sensors")
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(4)(inputs)))
    report = collect_report(
        model,
        random_series(1, 6, 3),
        states=False,
        faithfulness=False,
        method_options={"n_steps": 8},
    )
    (walk,) = dict(report.samples[0].extra)["prediction"]
    (plot,) = dict(report.samples[0].extra)["inputs"]
    path = write_report(report, tmp_path / "report.html")
    probe = PageProbe(browser.new_page()).open(path)
    probe.draw_all()
    drawn = probe.page.evaluate(
        "(id) => { const gd = document.getElementById(id); return {"
        " base: Array.from(gd.data[0].base), y: Array.from(gd.data[0].y),"
        " svg: gd.querySelectorAll('svg').length }; }",
        "fig-prediction-0-0",
    )
    tops = np.add(drawn["base"], drawn["y"])
    assert drawn["svg"] > 0 and tops[-2] == pytest.approx(walk.end, abs=1e-6)
    assert tops[0] == pytest.approx(walk.start, abs=1e-6)
    hover = probe.page.evaluate(
        "(id) => Array.from(document.getElementById(id).data[0].customdata)", "fig-inputs-0-0"
    )
    np.testing.assert_allclose(hover, plot.attributions[0], rtol=1e-6)
    assert probe.problems == []
