"""How rnnlens results look in notebooks: the report's display adapters, registered with :mod:`rnnlens.display`.

:mod:`rnnlens.display` imports this module (by name) the first time a result has no adapter; importing
:mod:`rnnlens.report` imports it too. The notebook view of a result (its ``_repr_html_``, through
:func:`rnnlens.display.to_html`) is the script-free fragment of its report parts
(:data:`rnnlens.report.parts.result_parts`).
"""

from __future__ import annotations

from typing import Any

from rnnlens.display import register
from rnnlens.report.data import ReportData
from rnnlens.report.html import result_html
from rnnlens.report.parts import ATTRIBUTION_RESULT, MODEL_SPEC, TRACE, result_parts

__all__ = ["result_parts"]


def _fragment(result: Any) -> str:
    return result_html(result)


# Interpretation draws its own notebook table; these results are drawn as report fragments.
for _path in (MODEL_SPEC, TRACE, ATTRIBUTION_RESULT):
    register(_path, _fragment)
register(ReportData, _fragment)
