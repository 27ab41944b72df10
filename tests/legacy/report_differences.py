"""Print the largest prediction difference each Keras 2 file test measured: ``python -m tests.legacy.report_differences``.

Runs the prediction tests of ``tests/legacy`` with ``np.testing.assert_allclose`` wrapped so that every
comparison's max ``|ours - reference|`` is recorded, then prints one line per test with the Keras version
that wrote its file.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

# Test -> the Keras version that wrote its file (tf-keras files: the installed tf_keras's version).
VERSIONS = {
    "test_load.py::test_lstm_predictions_equal_keras2_numpy": "2.0.8 (hand-written, bare-list Sequential)",
    "test_load.py::test_gru_predictions_equal_keras2_numpy[2.1.6-False]": "2.1.6 (hand-written GRU)",
    "test_load.py::test_gru_predictions_equal_keras2_numpy[2.2.4-tf-True]": "2.2.4-tf (hand-written GRU)",
    "test_load.py::test_bidirectional_lstm_equals_keras2_numpy": "2.2.4 (hand-written Bidirectional)",
    "test_load.py::test_embedding_mask_simple_rnn_and_time_distributed_equal_keras2_numpy": "2.1.2 (hand-written)",
    "test_functional_and_custom.py::test_keras2_functional_model_with_a_shared_layer_equals_numpy": "2.1.6 (hand-written functional Model)",
    "test_cudnn.py::test_cudnn_lstm_in_bidirectional_then_cudnn_gru_equal_numpy": "2.2.4 (hand-written CuDNNLSTM/CuDNNGRU)",
    "test_cudnn.py::test_real_tf_keras_cudnn_file_equals_tf_keras_own_conversion": "tf-keras (CuDNN layers)",
}
_TF_KERAS = "test_tf_keras_files.py::test_predictions_equal_tf_keras"


class _Recorder:
    def __init__(self) -> None:
        self.current = ""
        self.found: dict[str, float] = {}
        self._original = np.testing.assert_allclose

    def pytest_runtest_setup(self, item: Any) -> None:
        self.current = item.nodeid.split("/")[-1]
        np.testing.assert_allclose = self._recording

    def pytest_runtest_teardown(self, item: Any) -> None:
        np.testing.assert_allclose = self._original

    def _recording(self, actual: Any, desired: Any, *args: Any, **kwargs: Any) -> None:
        difference = float(np.max(np.abs(np.asarray(actual, float) - np.asarray(desired, float))))
        if self.current in VERSIONS or self.current.startswith(_TF_KERAS):
            # The first comparison of a test is its prediction check.
            self.found.setdefault(self.current, difference)
        self._original(actual, desired, *args, **kwargs)


def main() -> int:
    recorder = _Recorder()
    tests = [f"tests/legacy/{name.split('::')[0]}" for name in VERSIONS] + [
        "tests/legacy/test_tf_keras_files.py"
    ]
    code = pytest.main(
        [*dict.fromkeys(tests), "-q", "-p", "no:cacheprovider", "-k", "equal or predictions"],
        plugins=[recorder],
    )
    import tf_keras

    print(f"\n{'file written by':<55} {'test':<60} max |prediction difference|")
    for test, difference in sorted(recorder.found.items()):
        version = (
            VERSIONS.get(test) or f"tf-keras {tf_keras.__version__} ({test.split('[')[-1][:-1]})"
        )
        print(f"{version:<55} {test.split('::')[-1][:60]:<60} {difference:.3g}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
