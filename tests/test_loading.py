"""Model files: safe loading, the .h5 compiled-loss quirk, and clear errors for every bad file."""

from __future__ import annotations

import os
import zipfile

import keras
import pytest

from rnnlens import ModelLoadError, inspect_model, load_model
from rnnlens.loading import MAX_CONFIG_BYTES
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
    with pytest.raises(
        ModelLoadError,
        match=r"custom layer 'rnnlens_test_only>Doubler' \(the name "
        r"@keras.saving.register_keras_serializable\(package='rnnlens_test_only'\) gave it\) that is "
        r"not registered\..*--custom-objects MODULE.py",
    ):
        load_model(path)


def test_inspect_rejects_other_objects():
    with pytest.raises(ModelLoadError, match="Expected a keras.Model"):
        inspect_model(42)


def test_sentiment_round_trip(tmp_path):
    path = tmp_path / "sentiment.keras"
    small_sentiment().save(path)
    spec = inspect_model(path)
    assert spec.outputs[0].loss == "binary_crossentropy"


# --- safe mode is scoped to one load -------------------------------------------------------------


@pytest.fixture(scope="module")
def lambda_h5_path(tmp_path_factory):
    x = keras.Input((5, 2))
    y = keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.LSTM(3)(x))
    path = tmp_path_factory.mktemp("lambda_h5") / "lambda.h5"
    keras.Model(x, y).save(path)
    return path


def _process_safe_mode():
    from keras.src.saving.serialization_lib import in_safe_mode

    return in_safe_mode()


def test_unsafe_loading_reads_h5_files(lambda_h5_path):
    with pytest.warns(UserWarning, match="safe mode OFF"):
        model = load_model(lambda_h5_path, safe_mode=False)
    assert any(isinstance(layer, keras.layers.Lambda) for layer in model.layers)


@pytest.mark.parametrize("first", ["keras", "h5"])
def test_a_safe_load_after_an_unsafe_one_still_refuses_lambda(
    first, lambda_model_path, lambda_h5_path
):
    before = _process_safe_mode()
    unsafe_path = lambda_model_path if first == "keras" else lambda_h5_path
    with pytest.warns(UserWarning):
        load_model(unsafe_path, safe_mode=False)
    assert _process_safe_mode() == before
    for path in (lambda_model_path, lambda_h5_path):
        with pytest.raises(ModelLoadError, match="Lambda layer"):
            load_model(path)


def test_a_failed_unsafe_load_restores_safe_mode(lambda_model_path, lambda_h5_path, monkeypatch):
    before = _process_safe_mode()

    def broken(*args, **kwargs):
        raise RuntimeError("disk went away")

    with monkeypatch.context() as patch:
        patch.setattr(keras.models, "load_model", broken)
        with pytest.warns(UserWarning), pytest.raises(ModelLoadError, match="disk went away"):
            load_model(lambda_h5_path, safe_mode=False)
    assert _process_safe_mode() == before
    for path in (lambda_model_path, lambda_h5_path):
        with pytest.raises(ModelLoadError, match="Lambda layer"):
            load_model(path)


def test_safe_mode_holds_even_if_the_process_turned_it_off(lambda_model_path):
    keras.config.enable_unsafe_deserialization()
    try:
        with pytest.raises(ModelLoadError, match="Lambda layer"):
            load_model(lambda_model_path)
    finally:
        from keras.src.saving import serialization_lib

        serialization_lib.global_state.set_global_attribute("safe_mode_saving", None)


# --- resource limits ---------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.keras"
    os.mkfifo(fifo)
    with pytest.raises(ModelLoadError, match="not a regular file"):
        load_model(fifo)


def test_a_device_is_refused_without_reading_it():
    with pytest.raises(ModelLoadError, match="not a regular file"):
        load_model("/dev/zero")


def test_a_config_that_inflates_beyond_reason_is_refused_before_inflating(saved, tmp_path):
    bomb = tmp_path / "bomb.keras"
    with (
        zipfile.ZipFile(saved["keras"]) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "config.json":
                data = data[:-1] + b" " * (MAX_CONFIG_BYTES + 1) + data[-1:]
            target.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 2**20
    with pytest.raises(ModelLoadError, match=r"config\.json.*inflates to"):
        load_model(bomb)


def test_an_h5_config_beyond_reason_is_refused(saved, tmp_path):
    import shutil

    import h5py

    path = tmp_path / "huge.h5"
    shutil.copy(saved["h5"], path)
    with h5py.File(path, "a") as handle:
        handle.attrs["training_config"] = "x" * (MAX_CONFIG_BYTES + 1)
    with pytest.raises(ModelLoadError, match="training_config is .* bytes"):
        load_model(path)


def test_cli_refuses_a_fifo_model_with_one_line(tmp_path):
    from typer.testing import CliRunner

    from rnnlens.cli.app import app

    fifo = tmp_path / "model.keras"
    os.mkfifo(fifo)
    result = CliRunner().invoke(app, ["describe", str(fifo)])
    assert result.exit_code == 1
    assert (
        result.output.strip().startswith("Error:") and len(result.output.strip().splitlines()) == 1
    )


def test_the_saved_loss_is_kept_beside_the_model_not_on_it(saved):
    import gc
    import weakref

    from rnnlens.loading import saved_loss

    model = load_model(saved["keras"])
    assert saved_loss(model) is not None
    assert not [name for name in vars(model) if "rnnlens" in name]
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
