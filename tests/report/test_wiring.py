"""step_name, value_units and input_scaler reach the page from rnnlens.report (#13 items 1 and 7)."""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens.data import Dataset
from rnnlens.datasets.cmapss import CmapssScaler
from rnnlens.errors import OptionError
from rnnlens.report import collect_report
from rnnlens.report.input_scaling import input_scaler_for
from tests.helpers import random_series, random_tokens, small_sentiment
from tests.report.page_parser import PageStructure

MEAN = np.array([600.0, 20.0, 1.5])
STD = np.array([5.0, 0.5, 0.01])


def _regressor() -> keras.Model:
    keras.utils.set_random_seed(5)
    inputs = keras.Input((6, 3), name="sensors")
    hidden = keras.layers.LSTM(4)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="rul")(hidden))


def _specs(path: Path) -> list[dict[str, Any]]:
    """Every figure spec of a written page (the JSON scripts the page draws from)."""
    page = PageStructure(path.read_text(encoding="utf-8"))
    return [json.loads(text) for kind, text in page.scripts if kind == "application/json"]


def _axis_titles(spec: dict[str, Any]) -> list[str]:
    layout = spec.get("layout", {})
    return [
        str(value.get("title", {}).get("text", ""))
        for key, value in layout.items()
        if key.startswith("xaxis") and isinstance(value, dict)
    ]


def _colour_bars(spec: dict[str, Any]) -> list[str]:
    bars = []
    for trace in spec.get("data", []):
        for holder in (trace, trace.get("marker", {})):
            title = holder.get("colorbar", {}).get("title", {})
            if title:
                bars.append(str(title.get("text", "")))
    return bars


def _floats(values: Any) -> np.ndarray:
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values.get("dtype", "f4"))
    return np.asarray(values, dtype=np.float64)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, keras.Model]:
    x = random_series(3, 6, 3, seed=4)
    data = Dataset(inputs={"sensors": x}, feature_names=("T24", "P30", "phi"))
    path = tmp_path_factory.mktemp("wiring") / "rul.html"
    model = _regressor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rnnlens.report(
            model,
            data,
            path,
            samples=[0, 2],
            method_options={"n_steps": 8},
            faithfulness=False,
            step_name="cycle",
            value_units="cycles",
            # Like the turbofan demo's: inverse_transform only, no n_features_in_ to say its width.
            input_scaler=CmapssScaler(("T24", "P30", "phi"), MEAN, STD),
        )
    return path, x, model


def test_every_time_axis_of_the_page_names_the_step(page: Any) -> None:
    path, _, _ = page
    titles = [title for spec in _specs(path) for title in _axis_titles(spec)]
    assert any("cycle" in title for title in titles)
    # Attribution maps, inputs, states and gates, the data-set view: none falls back to "time step".
    assert not [title for title in titles if "time step" in title]
    # The data-set view speaks of cycles too.
    assert "per feature and cycle" in json.dumps([spec.get("layout") for spec in _specs(path)])


def test_every_attribution_colour_bar_is_in_the_outputs_units(page: Any) -> None:
    path, _, _ = page
    bars = [bar for spec in _specs(path) for bar in _colour_bars(spec)]
    # Per-sample maps and views (the data-set view's "mean |attribution|" is not per sample).
    attribution_bars = [bar for bar in bars if bar.startswith("attribution")]
    assert len(attribution_bars) >= 4  # a map and an inputs view per sample
    assert all("cycles of rul" in bar for bar in attribution_bars), attribution_bars


def test_the_inputs_are_drawn_in_original_units_with_the_input_scaler(page: Any) -> None:
    path, x, _ = page
    views = [spec for spec in _specs(path) if "original units" in json.dumps(spec)]
    assert len(views) == 2  # one inputs view per explained sample
    shown = {_floats(trace["y"]).round(2).tobytes() for view in views for trace in view["data"]}
    for sample in (0, 2):
        original = x[sample] * STD + MEAN
        for feature in range(3):
            expected = original[:, feature].astype("float32").round(2).tobytes()
            assert expected in shown, (sample, feature)


def test_without_the_options_the_defaults_remain() -> None:
    x = random_series(2, 6, 3, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = collect_report(
            _regressor(),
            x,
            samples=[0],
            states=False,
            method_options={"n_steps": 4},
            faithfulness=False,
        )
    (heat,) = report.samples[0].attributions
    assert heat.x_label == "time step" and "units of rul" in heat.value_label
    assert "cycles" not in heat.value_label
    inputs = dict(report.samples[0].extra)["inputs"][0]
    np.testing.assert_allclose(inputs.values.T[:, np.argsort(inputs.features)], x[0], rtol=1e-6)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"step_name": ""}, "`step_name` must be a non-empty string"),
        ({"step_name": 3}, "`step_name` must be a non-empty string"),
        ({"value_units": ["cycles"]}, "`value_units` must be a non-empty string"),
        ({"input_scaler": "standard"}, "`input_scaler` must be the scaler"),
        ({"input_scaler": {"mean": [1.0, 2.0], "std": [1.0, 1.0]}}, "does not fit .* \\[3\\]"),
        ({"input_scaler": CmapssScaler(("a", "b"), MEAN[:2], STD[:2])}, "does not fit"),
    ],
)
def test_wrong_wiring_options_fail_before_any_work(
    tmp_path: Path, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(OptionError, match=message):
        rnnlens.report(_regressor(), random_series(2, 6, 3), tmp_path / "r.html", **arguments)
    assert not (tmp_path / "r.html").exists()


def test_an_input_scaler_for_a_token_model_is_refused() -> None:
    with pytest.raises(OptionError, match="only token ids"):
        collect_report(small_sentiment(), random_tokens(2), input_scaler=(0.0, 1.0))


def test_a_single_mean_and_std_scales_every_feature() -> None:
    scaler = input_scaler_for((10.0, 2.0), [np.zeros((1, 4, 2), "float32")])
    assert scaler is not None and scaler.n_features_in_ == 2
    np.testing.assert_allclose(scaler.inverse_transform(np.ones((3, 2))), np.full((3, 2), 12.0))
    assert input_scaler_for(None, [np.zeros((1, 4, 2), "float32")]) is None
