"""The README's tracing example, run as written (in a temporary directory)."""

from __future__ import annotations

import numpy as np

EXAMPLE = """
import numpy as np
import rnnlens
from rnnlens.datasets.seed_models import build_sentiment_classifier

model = build_sentiment_classifier(vocab_size=1000, sequence_length=20, mask_zero=True)
tokens = np.random.default_rng(0).integers(1, 1000, size=(8, 20))
tokens[0, :5] = 0                                # left padding, masked by the Embedding

result = rnnlens.trace(model, tokens)            # every recurrent layer; compiled; exact
lstm = result["lstm"]
print(lstm.hidden.shape)                         # (8, 20, 32): (batch, time, unit)
print(lstm.gates["forget_gate"][0, :6, 0])       # NaN at the 5 padded steps
table = result.to_dataframe(quantities=["forget_gate"])
result.save("trace.npz")
again = rnnlens.Trace.load("trace.npz")

np.save("big.npy", np.concatenate([tokens] * 4))
rnnlens.trace_to_file(model, np.load("big.npy", mmap_mode="r"), "trace.h5", memory_budget_mb=64)
lazy = rnnlens.Trace.load("trace.h5", mmap=True)  # memory-mapped, not read
"""


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(EXAMPLE, "README example", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "(8, 20, 32)" in printed
    lstm = namespace["lstm"]
    assert np.isnan(lstm.gates["forget_gate"][0, :5]).all()
    assert np.isfinite(lstm.gates["forget_gate"][0, 5:]).all()
    assert list(namespace["table"].columns[:7]) == [
        "sample", "time", "layer", "direction", "quantity", "unit", "value",
    ]  # fmt: skip
    assert namespace["again"].keys() == ["lstm"]
    np.testing.assert_allclose(
        namespace["lazy"]["lstm"].hidden[:8], lstm.hidden, atol=1e-6
    )  # the first copy of the tokens
