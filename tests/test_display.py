"""The display seam: results call ``rnnlens.display.to_html``; the report registers how they are drawn."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rnnlens import display
from rnnlens.display import Dispatcher, plain_html, to_html
from rnnlens.errors import OptionError

SRC = Path(__file__).resolve().parents[1] / "src" / "rnnlens"
RESULT_MODULES = (
    "attribution/result.py",
    "tracing/result.py",
    "inspection/spec.py",
    "decoding/interpretation.py",
    "quality/result.py",
    "units/summary.py",
)


class _Base:
    pass


class _Child(_Base):
    pass


def test_an_object_without_adapter_is_shown_as_its_escaped_repr() -> None:
    class Thing:
        def __repr__(self) -> str:
            return "<script>alert(1)</script>"

    html = to_html(Thing())
    assert html == plain_html(Thing())
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_adapters_registered_by_class_and_by_path_apply_to_subclasses() -> None:
    by_class = Dispatcher(lambda obj: "default")
    by_class.register(_Base, lambda obj: "base")
    assert by_class(_Child()) == "base"
    by_path = Dispatcher(lambda obj: "default")
    by_path.register(f"{__name__}._Base", lambda obj: "base by path")
    assert not by_path.has_adapter(int)
    assert by_path.has_adapter(_Child)
    assert by_path(_Child()) == "base by path" and by_path(1) == "default"


def test_register_refuses_what_is_not_a_class_or_a_path() -> None:
    with pytest.raises(OptionError, match="Argument `cls` must be a class or a class path"):
        Dispatcher(lambda obj: "").register(42, lambda obj: "")  # type: ignore[arg-type]


def test_result_modules_do_not_import_the_report() -> None:
    """No import circle through display: results reach only ``rnnlens.display``."""
    for relative in RESULT_MODULES:
        tree = ast.parse((SRC / relative).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("rnnlens.report"), (relative, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("rnnlens.report") for a in node.names), relative
    display_tree = ast.parse((SRC / "display.py").read_text(encoding="utf-8"))
    imported = [
        node.module
        for node in ast.walk(display_tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnnlens")
    ]
    assert imported == ["rnnlens.errors"]


def test_report_parts_come_from_adapters_not_class_names() -> None:
    source = "".join(
        (SRC / "report" / name).read_text(encoding="utf-8")
        for name in ("collect.py", "fragment.py", "adapters.py", "parts.py", "html.py")
    )
    assert "type(result).__name__ ==" not in source and "__name__ == " not in source


def test_notebook_view_in_a_fresh_process_equals_the_report_fragment() -> None:
    """``_repr_html_`` works before anyone imports ``rnnlens.report`` (the report registers itself)."""
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        from rnnlens.attribution.result import AttributionResult
        result = AttributionResult(
            method="saliency", values=np.arange(6, dtype="float32").reshape(1, 3, 2),
            axes=("sample", "time", "feature"), inputs=np.ones((1, 3, 2), "float32"),
            input_name="x", target="t", outputs=np.zeros(1, "float32"),
        )
        assert "rnnlens.report" not in sys.modules
        shown = result._repr_html_()
        from rnnlens.report import result_html
        print(shown == result_html(result), "time step 2, feature feature 1: 5" in shown)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]


def test_providers_are_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(display, "PROVIDERS", ("rnnlens.report.adapters",))
    display._providers_loaded.cache_clear()
    real = display.importlib.import_module
    monkeypatch.setattr(
        display.importlib, "import_module", lambda name: calls.append(name) or real(name)
    )
    to_html(object())
    to_html(np.float32(1.0))
    assert calls == ["rnnlens.report.adapters"]
