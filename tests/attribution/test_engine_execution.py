"""Attribution's evaluations run on the execution seam: padded chunks, on the installed executor."""

from __future__ import annotations

import numpy as np

from rnnlens.attribution.engine import Engine
from rnnlens.execution import SerialExecutor, using_executor


class ReversingExecutor(SerialExecutor):
    """Runs the chunks last-first and yields them in order, recording what it ran."""

    def __init__(self) -> None:
        self.seen: list = []

    def map(self, work, chunks):
        self.seen.extend(chunks)
        results = {chunk: work(chunk) for chunk in reversed(chunks)}
        return iter([results[chunk] for chunk in chunks])


def _rows(series, weights):
    def rows(indices):
        return [series[indices]], [], weights[indices]

    return rows


def test_engine_evaluations_use_the_executor_and_match_serial(forecaster, series):
    engine = Engine.for_model(forecaster)
    weights = np.zeros((len(series), 10, 1), np.float32)
    weights[:, -1, 0] = 1.0
    rows = _rows(series, weights)
    serial_values = engine.values(0, rows, len(series), 3)
    serial_grads = [g for _, _, (g,) in engine.gradients(0, rows, len(series), 3)]
    (serial_outputs,) = engine.outputs([series], [], 3)

    recorder = ReversingExecutor()
    with using_executor(recorder):
        values = engine.values(0, rows, len(series), 3)
        chunks = list(engine.gradients(0, rows, len(series), 3))
        (outputs,) = engine.outputs([series], [], 3)
    # Three evaluations of 4 rows in padded chunks of 3: (3, 1 + 2 padding) each.
    assert [(c.start, c.stop, c.size) for c in recorder.seen] == [(0, 3, 3), (3, 4, 3)] * 3
    np.testing.assert_array_equal(values, serial_values)
    np.testing.assert_array_equal(outputs, serial_outputs)
    assert [(i.tolist(), n) for i, n, _ in chunks] == [
        ([0, 1, 2], 3),
        ([3, 3, 3], 1),
    ]
    for (_, _, (grad,)), expected in zip(chunks, serial_grads, strict=True):
        np.testing.assert_array_equal(grad, expected)
    # The values are the model's own: the last step's forecast.
    np.testing.assert_allclose(values, np.asarray(forecaster(series))[:, -1, 0], atol=1e-5)
