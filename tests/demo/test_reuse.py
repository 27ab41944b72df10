"""The demo hands what it already computed to the report: each model is traced and attributed once."""

from __future__ import annotations

from typing import Any

import pytest

import rnnlens
import rnnlens.attribution
import rnnlens.inspection
import rnnlens.tracing
from rnnlens.demo import run_demo


def test_turbofan_demo_traces_and_attributes_each_model_once(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict[str, list[str]] = {"trace": [], "attribute": [], "inspect_model": []}
    for name, module in (
        ("trace", rnnlens.tracing),
        ("attribute", rnnlens.attribution),
        ("inspect_model", rnnlens.inspection),
    ):
        real = getattr(module, name)

        def counted(model: Any, *args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls[_name].append(model.name)
            return _real(model, *args, **kw)

        # the demo calls rnnlens.<name>, the report rnnlens.<package>.<name>: count both
        monkeypatch.setattr(module, name, counted)
        monkeypatch.setattr(rnnlens, name, counted)
    run_demo(output=tmp_path / "demo.html", samples=2, n_steps=8, say=lambda line: None)
    for name in ("trace", "attribute"):
        assert len(calls[name]) == len(set(calls[name])) == 2, (name, calls[name])
    # inspect_model: once per model by the demo; decode() inspects again inside (no spec= there yet)
    assert sorted(set(calls["inspect_model"])) == sorted(set(calls["trace"]))
