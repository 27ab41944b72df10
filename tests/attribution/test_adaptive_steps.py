"""Adaptive integrated gradients (#12 item 3): ``n_steps="auto"`` adds points only where the completeness
gap is over 1 %, checked against the model's own outputs, and says so when it cannot get there."""

from __future__ import annotations

import re

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import ExpectedGradients, IntegratedGradients, adaptive
from rnnlens.attribution.diagnostics import RnnlensWarning
from rnnlens.attribution.options import check_n_steps
from rnnlens.errors import OptionError


@pytest.fixture(scope="module")
def steep():
    """SimpleRNN(4) with an input kernel scaled by 20 + Dense(1): tanh saturates along the path, so 8
    quadrature points leave a gap of several percent."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((5, 2), name="signals"),
            keras.layers.SimpleRNN(4, name="rnn"),
            keras.layers.Dense(1, name="head"),
        ]
    )
    rnn = model.get_layer("rnn")
    kernel, recurrent, bias = rnn.get_weights()
    rnn.set_weights([kernel * 20, recurrent, bias])
    return model


@pytest.fixture(scope="module")
def signals() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(4, 5, 2)).astype("float32")


def _keras_gap(model, x, result) -> np.ndarray:
    """``|sum of attributions - (F(x) - F(0))| / |F(x) - F(0)|`` with F read from Keras itself."""
    change = (
        model.predict(x, verbose=0)[:, 0] - model.predict(np.zeros_like(x), verbose=0)[:, 0]
    ).astype(np.float64)
    total = result.values.reshape(len(x), -1).astype(np.float64).sum(axis=1)
    return np.abs(total - change) / np.abs(change)


def test_auto_converges_where_eight_fixed_steps_do_not(steep, signals):
    explainer = IntegratedGradients(steep)
    with pytest.warns(RnnlensWarning, match="n_steps=8 left a completeness gap"):
        coarse = explainer.attribute(signals, target=0, n_steps=8)
    assert _keras_gap(steep, signals, coarse).max() > 0.01
    auto = explainer.attribute(signals, target=0)
    assert _keras_gap(steep, signals, auto).max() < 0.01
    assert auto.options["n_steps"] == "auto" and not auto.warnings
    assert auto.diagnostics()["n_steps"].tolist() == auto.options["n_steps_used"]


def test_auto_doubles_only_the_rows_that_need_it(steep, signals, monkeypatch):
    monkeypatch.setattr(adaptive, "AUTO_START_STEPS", 4)
    auto = IntegratedGradients(steep).attribute(signals, target=0)
    used = np.asarray(auto.options["n_steps_used"])
    assert set(used) <= {4, 8, 16, 32, 64} and used.min() > 8  # 4 and 8 points were not enough
    assert _keras_gap(steep, signals, auto).max() < 0.01
    # Each row is exactly the fixed-step integral of the points it ended with.
    for row, steps in enumerate(used):
        fixed = IntegratedGradients(steep).attribute(
            signals[row : row + 1], target=0, n_steps=int(steps)
        )
        np.testing.assert_allclose(auto.values[row], fixed.values[0], rtol=1e-5, atol=1e-7)


def _scaled_rnn(scale: float):
    """SimpleRNN(4) whose input kernel is multiplied by ``scale``: tanh turns into a step along the path."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((5, 2)), keras.layers.SimpleRNN(4, name="rnn"), keras.layers.Dense(1)]
    )
    rnn = model.get_layer("rnn")
    kernel, recurrent, bias = rnn.get_weights()
    rnn.set_weights([kernel * scale, recurrent, bias])
    return model


def test_auto_resolves_a_jump_that_a_fixed_rule_steps_over(signals):
    cliff = _scaled_rnn(1e4)  # each unit flips within da ~ 1e-4 along the path
    with pytest.warns(RnnlensWarning, match="n_steps=128 left a completeness gap"):
        fixed = IntegratedGradients(cliff).attribute(signals, target=0, n_steps=128)
    assert _keras_gap(cliff, signals, fixed).max() > 0.04
    auto = IntegratedGradients(cliff).attribute(signals, target=0)
    assert _keras_gap(cliff, signals, auto).max() < 0.01 and not auto.warnings
    assert min(auto.options["n_steps_used"]) > 128  # every row went past the fixed rule's points


def test_a_row_that_never_converges_is_named_with_its_gap(signals):
    step = _scaled_rnn(1e7)  # a jump narrower than float32 can place points: no rule resolves it
    with pytest.warns(RnnlensWarning, match=r"did not converge: after \d+ points") as caught:
        result = rnnlens.attribute(step, signals, "ig", target=0, faithfulness=False)
    warning = next(text for text in result.warnings if "did not converge" in text)
    assert warning in [str(w.message) for w in caught]
    reported = float(re.search(r"up to ([0-9.]+)%", warning).group(1)) / 100
    gaps = _keras_gap(step, signals, result)
    assert gaps.max() > 0.01 and reported == pytest.approx(gaps.max(), rel=0.01, abs=1e-3)
    named = [int(n) for n in re.findall(r"sample (\d+)", warning)]
    assert named == [int(i) for i in np.flatnonzero(gaps > 0.01)]
    frame = result.diagnostics()
    assert (frame["weak"] == (gaps > 0.01)).all()
    assert frame.loc[frame["weak"], "reason"].str.contains("completeness gap").all()


def test_expected_gradients_auto_converges_and_reports(steep, signals):
    background = np.random.default_rng(1).normal(size=(20, 5, 2)).astype("float32")
    result = ExpectedGradients(steep).attribute(
        signals, target=0, background=background, n_samples=4
    )
    assert result.options["n_steps"] == "auto"
    assert float(result.relative_gap.max()) < 0.01
    assert len(result.options["n_steps_used"]) == len(signals)


@pytest.mark.parametrize(
    ("given", "expected"), [("auto", "auto"), (" AUTO ", "auto"), (64, 64), ("64", 64)]
)
def test_check_n_steps_accepts_auto_or_an_integer(given, expected):
    assert check_n_steps(given, "--steps") == expected


@pytest.mark.parametrize("given", ["fast", 0, 1001, 2.5, True, "-3"])
def test_check_n_steps_refuses_the_rest(given):
    with pytest.raises(OptionError, match="--steps"):
        check_n_steps(given, "--steps")


def test_ig_refuses_a_bad_n_steps_before_evaluating(steep, signals):
    with pytest.raises(OptionError, match="'auto' or an integer"):
        IntegratedGradients(steep).attribute(signals, target=0, n_steps="many")


def test_auto_on_every_step_targets_recomputes_single_rows(forecaster, series, monkeypatch):
    from rnnlens.attribution import Target

    monkeypatch.setattr(adaptive, "AUTO_START_STEPS", 1)
    target = Target(time="all", unit=0)
    auto = IntegratedGradients(forecaster).attribute(series[:2], target=target)
    used = np.asarray(auto.options["n_steps_used"]).reshape(2, 10)
    assert used.min() == 1 and used.max() > 1  # some rows (steps) needed more points than others
    assert float(auto.relative_gap.max()) < 0.01
    for steps in np.unique(used):
        fixed = IntegratedGradients(forecaster).attribute(
            series[:2], target=target, n_steps=int(steps)
        )
        rows = used == steps
        np.testing.assert_allclose(auto.values[rows], fixed.values[rows], rtol=1e-5, atol=1e-7)
