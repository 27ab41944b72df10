"""Bad input never reaches Keras: each mistake raises an rnnlens error that says what to do."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import IntegratedGradients, OptionError, Saliency
from rnnlens.errors import DataError, ModelLoadError, RnnlensError, ShapeError, TargetError


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        (np.zeros((4, 10)), ShapeError, r"rank 3.*received shape \(4, 10\)"),
        (np.zeros((10, 1)), ShapeError, "add a batch axis"),
        (np.zeros((4, 9, 1)), ShapeError, "9 on its time axis but the model expects 10"),
        (np.zeros((4, 10, 2)), ShapeError, "feature axis"),
        (np.array([[["a"]] * 10]), DataError, "must be numeric"),
        (np.full((1, 10, 1), np.nan), DataError, "NaN or inf"),
        (np.full((1, 10, 1), np.inf), DataError, "NaN or inf"),
    ],
)
def test_bad_float_inputs(inputs, error, message, forecaster):
    with pytest.raises(error, match=message):
        IntegratedGradients(forecaster).attribute(inputs, target=(0, 0))


def test_bad_token_inputs(sentiment):
    with pytest.raises(DataError, match=r"outside \[0, 50\)"):
        Saliency(sentiment).attribute(np.full((1, 20), 50))
    with pytest.raises(DataError, match="integer token ids"):
        Saliency(sentiment).attribute(np.full((1, 20), 1.5))


def test_bad_multi_input_lists(translator, translation_pair):
    with pytest.raises(ShapeError, match="has 2 input"):
        Saliency(translator).attribute([translation_pair[0]], target=(0, 0))
    with pytest.raises(ShapeError, match="same number of samples"):
        Saliency(translator).attribute(
            [translation_pair[0], translation_pair[1][:1]], target=(0, 0)
        )


def test_target_out_of_range(forecaster, series):
    with pytest.raises(TargetError, match="time step 10 is out of range"):
        IntegratedGradients(forecaster).attribute(series, target=(10, 0))
    with pytest.raises(TargetError, match="unit 1 is out of range"):
        IntegratedGradients(forecaster).attribute(series, target=(0, 1))


def test_baseline_shape_mismatch(forecaster, series):
    with pytest.raises(ShapeError, match="does not match the input"):
        IntegratedGradients(forecaster).attribute(series, target=(0, 0), baselines=np.zeros((9, 1)))


def test_convenience_function_checks_method_and_options(forecaster, series, tmp_path):
    with pytest.raises(
        OptionError, match="Unknown attribution method 'lime'.*integrated_gradients"
    ):
        rnnlens.attribute(forecaster, series, method="lime")
    with pytest.raises(OptionError, match=r"does not take option\(s\) \['window'\]"):
        rnnlens.attribute(forecaster, series, method="ig", target=(0, 0), window=3)
    with pytest.raises(ModelLoadError, match="does not exist"):
        rnnlens.attribute(tmp_path / "missing.keras", series)
    with pytest.raises(ModelLoadError, match="Expected a keras.Model"):
        IntegratedGradients(object())


def test_every_error_is_an_rnnlens_error():
    for error in (ShapeError, DataError, TargetError, OptionError):
        assert issubclass(error, RnnlensError) and issubclass(error, ValueError)


def test_integer_input_without_an_embedding_is_refused():
    import keras

    from rnnlens.errors import UnsupportedLayerError

    inputs = keras.Input((5,), dtype="int32", name="ids")
    hot = keras.layers.CategoryEncoding(num_tokens=7, output_mode="one_hot")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hot))
    with pytest.raises(UnsupportedLayerError, match="no Embedding layer reads them directly"):
        Saliency(model)


def test_the_quadrature_rule_is_spelled_integration_in_the_convenience_call(forecaster, series):
    via_api = rnnlens.attribute(
        forecaster, series, "ig", (3, 0), n_steps=4, integration="riemann_middle"
    )
    direct = IntegratedGradients(forecaster).attribute(
        series, target=(3, 0), n_steps=4, method="riemann_middle"
    )
    np.testing.assert_array_equal(via_api.values, direct.values)
    assert via_api.options["method"] == "riemann_middle"
