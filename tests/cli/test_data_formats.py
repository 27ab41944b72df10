"""Every data-reading command accepts every format rnnlens.data reads (here: a long CSV table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rnnlens.attribution import IntegratedGradients
from rnnlens.cli.app import app
from tests.helpers import small_forecaster

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    model = small_forecaster()
    model.save(folder / "forecaster.keras")
    rng = np.random.default_rng(3)
    rows = [
        {"unit": unit, "cycle": cycle, "vibration": float(rng.normal())}
        for unit in (7, 9)
        for cycle in range(1, 11)
    ]
    pd.DataFrame(rows).to_csv(folder / "long.csv", index=False)
    return folder, model, pd.DataFrame(rows)


def test_attribute_reads_a_long_csv_table(files):
    folder, model, table = files
    out = folder / "ig.npz"
    result = runner.invoke(
        app,
        [
            "attribute",
            str(folder / "forecaster.keras"),
            str(folder / "long.csv"),
            "-t",
            "9,0",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    x = table["vibration"].to_numpy("float32").reshape(2, 10, 1)
    expected = IntegratedGradients(model).attribute(x, target=(9, 0), n_steps=50)
    with np.load(out) as saved:
        values = next(saved[k] for k in saved.files if saved[k].shape == expected.values.shape)
    np.testing.assert_allclose(values, expected.values, atol=1e-5)


def test_trace_reads_a_long_csv_table(files):
    import rnnlens

    folder, model, table = files
    out = folder / "trace.npz"
    result = runner.invoke(
        app, ["trace", str(folder / "forecaster.keras"), str(folder / "long.csv"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    x = table["vibration"].to_numpy("float32").reshape(2, 10, 1)
    hidden = rnnlens.Trace.load(out)["lstm"].hidden
    np.testing.assert_allclose(hidden, model.get_layer("lstm")(x), atol=1e-5)
