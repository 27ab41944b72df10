"""Custom layers and functions (#14 item 4): the load error names what is missing; a dict or a file fixes it."""

from __future__ import annotations

import sys
import textwrap

import keras
import numpy as np
import pytest
from typer.testing import CliRunner

from rnnlens import ModelLoadError, load_model
from rnnlens.cli.app import app
from rnnlens.custom_objects import read_custom_objects, resolve_custom_objects
from rnnlens.errors import OptionError

MODULE = textwrap.dedent(
    """
    import keras


    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}


    def wiggle(x):
        return keras.ops.tanh(x) * 0.5


    def _helper():
        return None
    """
)

runner = CliRunner()


def _forget(module_name: str) -> None:
    """Drop the module a custom-objects file became, so a later load cannot find its classes by accident."""
    sys.modules.pop(module_name, None)


@pytest.fixture(scope="module")
def custom(tmp_path_factory):
    """A module file, models saved with its layer and activation, and reference predictions from Keras."""
    folder = tmp_path_factory.mktemp("custom")
    module = folder / "rnnlens_test_customs.py"
    module.write_text(MODULE)
    objects = read_custom_objects(module)
    _forget("rnnlens_test_customs")
    x = keras.Input((5, 3), name="x")
    h = keras.layers.LSTM(4, return_sequences=True, activation=objects["wiggle"], name="lstm")(x)
    h = objects["Scale"](3.0, name="scale")(h)
    y = keras.layers.Dense(2, activation="softmax", name="head")(keras.layers.GRU(3, name="gru")(h))
    model = keras.Model(x, y)
    inputs = np.random.default_rng(0).normal(size=(4, 5, 3)).astype("float32")
    np.save(folder / "inputs.npy", inputs)
    paths = {"keras": folder / "model.keras", "h5": folder / "model.h5"}
    model.save(paths["keras"])
    layer_only = keras.Model(x, keras.layers.GRU(2)(objects["Scale"](2.0)(x)))
    layer_only.save(paths["h5"])
    return {
        "folder": folder,
        "module": module,
        "paths": paths,
        "inputs": inputs,
        "expected": np.asarray(model(inputs)),
    }


@pytest.mark.parametrize(
    ("kind", "named"), [("keras", "function 'wiggle'"), ("h5", "layer 'Scale'")]
)
def test_the_load_error_names_the_missing_object_and_the_fix(custom, kind, named):
    with pytest.raises(ModelLoadError) as caught:
        load_model(custom["paths"][kind])
    message = str(caught.value)
    assert f"custom {named}" in message
    assert "--custom-objects MODULE.py" in message and "custom_objects=" in message


def test_a_module_file_loads_the_model_and_predicts_like_keras(custom):
    model = load_model(custom["paths"]["keras"], custom_objects=custom["module"])
    _forget("rnnlens_test_customs")
    np.testing.assert_allclose(np.asarray(model(custom["inputs"])), custom["expected"], atol=1e-6)


def test_safe_mode_stays_on_with_custom_objects(custom, tmp_path):
    x = keras.Input((5, 3))
    path = tmp_path / "lambda.keras"
    keras.Model(x, keras.layers.Lambda(lambda t: t * 2.0)(x)).save(path)
    with pytest.raises(ModelLoadError, match="Lambda layer"):
        load_model(path, custom_objects=custom["module"])
    _forget("rnnlens_test_customs")


def test_a_dict_loads_the_model(custom):
    objects = read_custom_objects(custom["module"])
    _forget("rnnlens_test_customs")
    assert set(objects) == {
        "Scale",
        "wiggle",
    }  # public and defined there: not `keras`, not `_helper`
    model = load_model(custom["paths"]["keras"], custom_objects=dict(objects))
    np.testing.assert_allclose(np.asarray(model(custom["inputs"])), custom["expected"], atol=1e-6)
    assert load_model(custom["paths"]["h5"], custom_objects={"Scale": objects["Scale"]}) is not None


def test_objects_given_but_not_the_missing_one(custom):
    with pytest.raises(
        ModelLoadError, match=r"custom layer 'Scale'.*given \(wiggle\) do not include it"
    ):
        load_model(custom["paths"]["h5"], custom_objects={"wiggle": lambda x: x})


def test_custom_objects_dict_in_the_module_wins(tmp_path):
    module = tmp_path / "declared.py"
    module.write_text(
        "def a(x):\n    return x\n\ndef b(x):\n    return x\n\nCUSTOM_OBJECTS = {'alias': a}\n"
    )
    assert list(read_custom_objects(module)) == ["alias"]


def test_registered_objects_are_collected_under_both_names(tmp_path):
    module = tmp_path / "registers.py"
    module.write_text(
        "import keras\n\n"
        "@keras.saving.register_keras_serializable(package='rnnlens_test_pkg')\n"
        "class Shift(keras.layers.Layer):\n"
        "    def call(self, x):\n"
        "        return x + 1.0\n\n"
        "CUSTOM_OBJECTS = {}\n"
    )
    try:
        objects = read_custom_objects(module)
        assert objects["rnnlens_test_pkg>Shift"] is objects["Shift"]
    finally:
        keras.saving.get_custom_objects().pop("rnnlens_test_pkg>Shift", None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x = 1\ndef broken(:\n    pass\n", "syntax error at line 2"),
        (
            "import keras\n\n\nraise RuntimeError('boom')\n",
            "failed while running at line 4: RuntimeError: boom",
        ),
        ("import rnnlens_no_such_package\n", "at line 1: ModuleNotFoundError"),
    ],
)
def test_a_broken_module_names_the_file_and_line(tmp_path, text, fragment):
    module = tmp_path / "broken_customs.py"
    module.write_text(text)
    with pytest.raises(ModelLoadError, match="broken_customs.py") as caught:
        read_custom_objects(module)
    assert fragment in str(caught.value)
    assert "broken_customs" not in sys.modules


def test_bad_custom_objects_arguments(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        resolve_custom_objects(tmp_path / "missing.py")
    with pytest.raises(OptionError, match=r"expected a Python file \(MODULE.py\)"):
        resolve_custom_objects(str(tmp_path / "objects.txt"))
    with pytest.raises(OptionError, match="mapping"):
        resolve_custom_objects(["wiggle"])  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="strings"):
        resolve_custom_objects({1: len})


def test_cli_describe_and_predict_with_custom_objects(custom):
    model, module = str(custom["paths"]["keras"]), str(custom["module"])
    refused = runner.invoke(app, ["describe", model])
    assert refused.exit_code == 1
    assert "custom function 'wiggle'" in refused.output and "--custom-objects" in refused.output
    described = runner.invoke(app, ["describe", model, "--custom-objects", module, "--json"])
    _forget("rnnlens_test_customs")
    assert described.exit_code == 0, described.output
    assert '"activation": "wiggle"' in described.output and '"distribution"' in described.output
    out = custom["folder"] / "predictions.csv"
    inputs = str(custom["folder"] / "inputs.npy")
    predicted = runner.invoke(
        app, ["predict", model, inputs, "--custom-objects", module, "-o", str(out)]
    )
    _forget("rnnlens_test_customs")
    assert predicted.exit_code == 0, predicted.output
    assert out.exists()
