"""The README's attribution example, run verbatim (the text is handed to the README's owner)."""

from __future__ import annotations

import textwrap

EXAMPLE = textwrap.dedent(
    """
    import numpy as np
    import rnnlens
    from rnnlens.attribution import IntegratedGradients, Target
    from rnnlens.datasets.seed_models import build_forecaster, build_translator

    model = build_forecaster(timesteps=10, features=1, units=32)
    x = np.random.default_rng(0).normal(size=(4, 10, 1)).astype("float32")

    result = IntegratedGradients(model).attribute(x, target=(9, 0), n_steps=64)
    print(result.relative_gap.max())    # completeness gap as a share of |F(x) - F(baseline)|
    print(result.by_time()[0])          # one score per input step, sample 0
    print(result.top_k(3, sample=0))    # the strongest (time, feature) cells
    result.save("forecast_ig.parquet")

    # Every decoder step, attributed to the source tokens and to the earlier decoder tokens.
    translator = build_translator(source_length=10, target_length=10)
    source = np.random.default_rng(1).integers(1, 100, size=(2, 10))
    decoded = np.random.default_rng(2).integers(1, 100, size=(2, 10))
    encoder, decoder = rnnlens.attribute(
        translator, [source, decoded], method="ig", target=Target(time="all", unit="predicted")
    )
    print(decoder.axes, decoder.values.shape)   # ('sample', 'output_time', 'token') (2, 10, 10)
    """
)


def test_readme_attribution_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(EXAMPLE, "README", "exec"), {})
    printed = capsys.readouterr().out
    assert "('sample', 'output_time', 'token') (2, 10, 10)" in printed
    assert (tmp_path / "forecast_ig.parquet").exists()
    assert float(printed.splitlines()[0]) < 0.01
