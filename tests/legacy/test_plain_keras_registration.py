"""A converted Keras 2 model loads in plain Keras (safe mode) once rnnlens is imported (before or after
Keras), and ``import rnnlens`` still does not import Keras."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from rnnlens._post_import import import_when_imported
from rnnlens.legacy.convert import convert_model
from tests.legacy.keras2_files import dense_config, rnn_config, write_keras2_h5


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registration")
    rng = np.random.default_rng(0)
    layer = rnn_config("LSTM", "lstm", 2, batch_input_shape=[None, 3, 2])  # Keras 2.0: hard_sigmoid
    weights = {
        "lstm": [
            ("lstm/kernel:0", rng.normal(size=(2, 8))),
            ("lstm/recurrent_kernel:0", rng.normal(size=(2, 8))),
            ("lstm/bias:0", rng.normal(size=(8,))),
        ],
        "dense": [("dense/kernel:0", rng.normal(size=(2, 1))), ("dense/bias:0", np.zeros(1))],
    }
    config = {"class_name": "Sequential", "config": [layer, dense_config("dense", 1)]}
    source = write_keras2_h5(folder / "old.h5", "2.0.8", config, weights)
    return convert_model(source, folder / "new.keras").path


def _run(code: str) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_plain_keras_loads_the_converted_file_after_import_rnnlens(converted):
    facts = _run(
        f"""
        import json, sys
        import numpy as np
        import rnnlens
        keras_after_rnnlens = "keras" in sys.modules
        import keras
        model = keras.saving.load_model({str(converted)!r}, safe_mode=True)
        out = model.predict(np.ones((1, 3, 2), "float32"), verbose=0)
        print(json.dumps({{"keras_after_rnnlens": keras_after_rnnlens, "shape": list(out.shape)}}))
        """
    )
    assert facts == {"keras_after_rnnlens": False, "shape": [1, 1]}


def test_without_the_registration_plain_keras_refuses_the_file(converted, monkeypatch):
    """In this process rnnlens registered the function; taken away, Keras names what it is missing."""
    import keras

    registered = keras.saving.get_custom_objects()
    assert "rnnlens>keras2_hard_sigmoid" in registered
    monkeypatch.delitem(registered, "rnnlens>keras2_hard_sigmoid")
    with pytest.raises(Exception, match="keras2_hard_sigmoid"):
        keras.saving.load_model(converted, safe_mode=True)


def test_registration_runs_at_once_when_the_trigger_was_imported_first(tmp_path, monkeypatch):
    """As when keras was imported before rnnlens."""
    (tmp_path / "rnnlens_early_trigger.py").write_text("")
    (tmp_path / "rnnlens_early_payload.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    import rnnlens_early_trigger  # noqa: F401

    import_when_imported("rnnlens_early_trigger", "rnnlens_early_payload")
    assert "rnnlens_early_payload" in sys.modules
    for name in ("rnnlens_early_trigger", "rnnlens_early_payload"):
        monkeypatch.delitem(sys.modules, name)


def test_import_when_imported_waits_for_the_trigger(tmp_path, monkeypatch):
    (tmp_path / "rnnlens_trigger_probe.py").write_text("VALUE = 1\n")
    (tmp_path / "rnnlens_payload_probe.py").write_text(
        "import rnnlens_trigger_probe\nrnnlens_trigger_probe.VALUE = 2\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import_when_imported("rnnlens_trigger_probe", "rnnlens_payload_probe")
    assert "rnnlens_payload_probe" not in sys.modules
    import rnnlens_trigger_probe

    assert rnnlens_trigger_probe.VALUE == 2 and "rnnlens_payload_probe" in sys.modules
    for name in ("rnnlens_trigger_probe", "rnnlens_payload_probe"):
        monkeypatch.delitem(sys.modules, name)
