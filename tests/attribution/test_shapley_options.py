"""Shapley's options: bad ones are OptionError / UnsupportedLayerError naming the argument; the CLI."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import rnnlens
from rnnlens.attribution.shapley import ShapleyValues
from rnnlens.cli.app import app
from rnnlens.errors import OptionError, UnsupportedLayerError


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"players": "step"}, "`players` must be one of"),
        ({"players": "window"}, "needs `window`"),
        ({"players": "window", "window": 11}, "`window` is 11 steps but input"),
        ({"players": "window", "window": 2, "stride": 1}, "`stride` must equal `window`"),
        ({"window": 2}, "apply to players='window' only"),
        ({"players": "cell", "max_evaluations": 100}, "`max_evaluations` is 100, too few"),
        ({"players": "cell", "exact": True}, "at most n = 22"),
        ({"players": "cell", "prune": 0.1}, "`prune` merges older time steps"),
        ({"prune": -1.0}, "`prune` must be a finite number >= 0"),
        ({"estimator": "bootstrap"}, "`estimator` must be one of"),
        ({"tolerance": 0}, "`tolerance` must be a finite number > 0"),
        ({"exact": "maybe"}, "`exact` must be auto"),
        ({"seed": 1.5}, "`seed` must be an int"),
    ],
)
def test_bad_options_name_the_argument(options, match, wide):
    with pytest.raises(OptionError, match=match):
        ShapleyValues(wide).attribute(np.ones((1, 10, 3), "float32"), target=0, **options)


@pytest.fixture(scope="module")
def wide():
    """GRU over 10 steps x 3 features: 30 cell players."""
    import keras

    return keras.Sequential([keras.Input((10, 3)), keras.layers.GRU(2), keras.layers.Dense(1)])


def test_feature_players_do_not_apply_to_tokens(sentiment, padded_tokens):
    with pytest.raises(OptionError, match="players='feature'` does not apply to token input"):
        ShapleyValues(sentiment).attribute(padded_tokens, players="feature")


def test_an_input_cells_cannot_cover_is_refused():
    import keras

    inputs = keras.Input((4, 3, 2), name="frames")
    flat = keras.layers.Reshape((4, 6))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(2)(flat)))
    with pytest.raises(UnsupportedLayerError, match="perturbs \\(time, feature\\) cells"):
        ShapleyValues(model).attribute(np.zeros((1, 4, 3, 2), "float32"))


def test_attribute_by_name_and_alias(forecaster, series):
    by_name = rnnlens.attribute(
        forecaster, series, method="shapley", target=(4, 0), background=series
    )
    by_alias = rnnlens.attribute(
        forecaster, series, method="timeshap", target=(4, 0), players="event", background=series
    )
    np.testing.assert_array_equal(by_name.values, by_alias.values)
    assert by_name.method == "shapley" and by_name.players is not None
    # the background's per-feature mean, at every step, is the baseline: v(empty) = F(mean)
    mean = np.broadcast_to(series.mean(axis=(0, 1)), series.shape)
    np.testing.assert_allclose(by_name.baseline_outputs, forecaster(mean)[:, 4, 0], rtol=1e-5)


def test_cli_attributes_with_shapley(tmp_path, forecaster, series):
    forecaster.save(tmp_path / "model.keras")
    np.save(tmp_path / "series.npy", series)
    out = tmp_path / "shap.npz"
    args = ["attribute", str(tmp_path / "model.keras"), str(tmp_path / "series.npy"), "--method"]
    result = CliRunner().invoke(
        app, [*args, "shapley", "--players", "event", "--target", "6,0", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    expected = ShapleyValues(forecaster).attribute(series, target=(6, 0), players="event")
    with np.load(out) as data:
        np.testing.assert_allclose(data["series/values"], expected.values, rtol=1e-6, atol=1e-9)
    bad = CliRunner().invoke(app, [*args, "shap", "--players", "steps", "-o", str(out)])
    assert bad.exit_code != 0 and "--players" in bad.output
