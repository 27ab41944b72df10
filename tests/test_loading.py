"""Model files: safe loading, the .h5 compiled-loss quirk, and clear errors for every bad file."""

from __future__ import annotations

import zipfile

import keras
import pytest

from rnnlens import ModelLoadError, inspect_model, load_model
from tests.helpers import small_forecaster, small_sentiment


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    paths = {}
    forecaster = small_forecaster()  # compiled with loss="mse"
    paths["keras"] = folder / "forecaster.keras"
    forecaster.save(paths["keras"])
    paths["h5"] = folder / "forecaster.h5"
    forecaster.save(paths["h5"])
    return paths


def test_keras_file_round_trips_with_its_loss(saved):
    spec = inspect_model(saved["keras"])
    assert spec.outputs[0].loss == "mean_squared_error"
    assert spec.outputs[0].task == "forecasting"


def test_h5_with_compiled_mse_loads_and_keeps_the_loss(saved):
    # keras.models.load_model(path) fails on this file ("Could not deserialize 'keras.metrics.mse'").
    model = load_model(saved["h5"])
    assert model.outputs[0].shape == (None, 10, 1)
    spec = inspect_model(model)
    assert spec.outputs[0].loss == "mean_squared_error"
    assert spec.recurrent_layers[0].return_sequences


def test_missing_file(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(tmp_path / "nope.keras")


def test_wrong_suffix(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text("hello")
    with pytest.raises(ModelLoadError, match=r"not a Keras model file.*\.txt"):
        load_model(path)


def test_not_a_zip(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("not a zip")
    with pytest.raises(ModelLoadError, match="not a valid .keras archive"):
        load_model(path)


def test_zip_without_config(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ModelLoadError, match="no config.json"):
        load_model(path)


def test_truncated_archive(saved, tmp_path):
    data = saved["keras"].read_bytes()
    path = tmp_path / "cut.keras"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="corrupt|not a valid"):
        load_model(path)


def test_bad_h5_signature(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"garbage" * 10)
    with pytest.raises(ModelLoadError, match="not an HDF5 file"):
        load_model(path)


def test_directory(tmp_path):
    with pytest.raises(ModelLoadError, match="is a directory"):
        load_model(tmp_path)


@pytest.fixture(scope="module")
def lambda_model_path(tmp_path_factory):
    x = keras.Input((5, 2))
    y = keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.LSTM(3)(x))
    path = tmp_path_factory.mktemp("lambda") / "lambda.keras"
    keras.Model(x, y).save(path)
    return path


def test_lambda_is_refused_in_safe_mode(lambda_model_path):
    with pytest.raises(ModelLoadError, match=r"Lambda layer.*--unsafe"):
        load_model(lambda_model_path)


def test_lambda_loads_when_the_user_opts_out(lambda_model_path):
    with pytest.warns(UserWarning, match="safe mode OFF"):
        model = load_model(lambda_model_path, safe_mode=False)
    assert any(isinstance(layer, keras.layers.Lambda) for layer in model.layers)


def test_unknown_custom_layer(tmp_path):
    @keras.saving.register_keras_serializable(package="rnnlens_test_only")
    class Doubler(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    x = keras.Input((5, 2))
    model = keras.Model(x, Doubler()(keras.layers.GRU(3)(x)))
    path = tmp_path / "custom.keras"
    model.save(path)
    keras.saving.get_custom_objects().pop("rnnlens_test_only>Doubler")
    with pytest.raises(ModelLoadError, match="custom layer or object that is not registered"):
        load_model(path)


def test_inspect_rejects_other_objects():
    with pytest.raises(ModelLoadError, match="Expected a keras.Model"):
        inspect_model(42)


def test_sentiment_round_trip(tmp_path):
    path = tmp_path / "sentiment.keras"
    small_sentiment().save(path)
    spec = inspect_model(path)
    assert spec.outputs[0].loss == "binary_crossentropy"
