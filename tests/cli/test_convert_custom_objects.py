"""``rnnlens convert --custom-objects MODULE.py``: a Keras 2 file with a custom layer and activation."""

from __future__ import annotations

import textwrap

import numpy as np
from typer.testing import CliRunner

from rnnlens.cli.app import app
from tests.legacy.test_functional_and_custom import _custom_file

MODULE = textwrap.dedent(
    """
    import keras


    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.factor = self.add_weight(shape=(input_shape[-1],), name="factor")

        def call(self, inputs):
            return inputs * self.factor


    def shifted_tanh(x):
        return keras.ops.tanh(x) + 1.0
    """
)


def test_convert_with_custom_objects_writes_a_file_that_predicts_the_same(tmp_path):
    source, factor, w = _custom_file(tmp_path)
    module = tmp_path / "custom_parts.py"
    module.write_text(MODULE)
    target = tmp_path / "converted.keras"
    result = CliRunner().invoke(
        app, ["convert", str(source), str(target), "--custom-objects", str(module)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "custom layer Scale" in result.output and "max |prediction difference| 0" in result.output
    )

    import rnnlens

    x = np.array([[1.0, 2.0, 3.0]], dtype="float32")
    expected = np.tanh((x * factor) @ w + np.array([0.1, -0.2])) + 1.0
    model = rnnlens.load_model(target, custom_objects=module)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-6)


def test_convert_without_the_custom_objects_names_the_missing_class(tmp_path):
    source, _, _ = _custom_file(tmp_path)
    target = tmp_path / "converted.keras"
    result = CliRunner().invoke(app, ["convert", str(source), str(target)])
    assert result.exit_code == 1 and result.output.count("Error:") == 1
    assert "Scale" in result.output and "--custom-objects" in result.output
    assert not target.exists()
