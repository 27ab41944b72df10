"""Beside each attribution map the report shows how far to trust it, and flags the weak ones.

The numbers in the panels are checked against Keras itself (F(x), F(baseline)) and against the result's own
diagnostics; a weak explanation is made on purpose (a baseline equal to the input: nothing to explain).
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution.diagnostics import ZERO_BASELINE_WARNING, RnnlensWarning
from rnnlens.data import Dataset
from rnnlens.errors import OptionError
from rnnlens.report import (
    DiagnosticsPanel,
    ReportData,
    SampleSection,
    Table,
    collect_report,
    render_html,
    result_html,
)
from rnnlens.report.options import report_options
from tests.helpers import random_series, small_forecaster
from tests.report.builders import PAYLOADS
from tests.report.page_parser import PageStructure

FX = "F(x), the explained output"


@pytest.fixture(scope="module")
def forecaster() -> Any:
    return small_forecaster()


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    return random_series(3)


@pytest.fixture(scope="module")
def background() -> np.ndarray:
    return random_series(16, seed=5)


def section(page: str, key: str, index: int) -> str:
    """The HTML of one sample's section ``<key>-<index>``."""
    found = re.search(rf'<section id="{key}-{index}".*?</section>', page, re.S)
    assert found is not None, f"{key}-{index}"
    return found.group(0)


def quiet_report(*args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RnnlensWarning)
        return collect_report(*args, **kwargs)


def test_a_baseline_equal_to_the_input_is_flagged_weak_with_its_reason(
    forecaster: Any, series: np.ndarray
) -> None:
    report = collect_report(
        forecaster,
        series,
        method="ig",
        target=(9, 0),
        states=False,
        method_options={"baselines": series, "n_steps": 8},
    )
    page = render_html(report)
    for position, sample in enumerate(report.samples):
        (panel,) = sample.checks
        assert panel.weak and "uninformative baseline" in panel.reasons[0]
        fields = dict(panel.fields)
        assert fields[FX] == fields["F(baseline)"]
        checks = html.unescape(section(page, "checks", position))
        assert "Weak explanation" in checks and 'role="alert"' in checks
        assert "uninformative baseline" in checks and "nothing to explain" in checks
    alerts = html.unescape(
        re.search(r'<section class="block" id="alerts">.*?</section>', page, re.S)[0]
    )
    assert "Weak explanations: 3 of 3 sample(s) (0, 1, 2)" in alerts


def test_a_healthy_explanation_shows_its_diagnostics_and_no_flag(
    forecaster: Any, series: np.ndarray, background: np.ndarray
) -> None:
    report = collect_report(
        forecaster, series, method="ig", target=(9, 0), states=False, background=background
    )
    (result,) = report.attributions
    frame = result.diagnostics()
    outputs = forecaster.predict(series, verbose=0)[:, 9, 0]
    mean = np.broadcast_to(background.mean(axis=(0, 1)), (1, *series.shape[1:]))
    baseline_output = forecaster.predict(mean, verbose=0)[0, 9, 0]
    page = render_html(report)
    healthy = 0
    for position, sample in enumerate(report.samples):
        (panel,) = sample.checks
        fields = dict(panel.fields)
        assert fields["method"] == "integrated_gradients"
        assert fields["baseline"] == "the background's per-feature mean"
        assert float(fields[FX]) == pytest.approx(outputs[position], rel=1e-3, abs=1e-6)
        assert float(fields["F(baseline)"]) == pytest.approx(baseline_output, rel=1e-3, abs=1e-6)
        gap = float(fields["completeness gap"].split(" %")[0])
        assert gap == pytest.approx(100 * frame["relative_gap"][position], rel=1e-2) and gap < 1
        assert float(fields["faithfulness"].split(" ")[0]) == pytest.approx(
            frame["faithfulness"][position], rel=1e-2
        )
        assert panel.weak == bool(frame["weak"][position])
        if not panel.weak:
            healthy += 1
            checks = section(page, "checks", position)
            assert "No check failed" in checks and "Weak explanation" not in checks
            assert "callout-weak" not in checks
    assert healthy >= 1  # the seeded data holds explanations that pass every check
    assert dict(report.meta)["baseline"] == "the background's per-feature mean"
    assert ZERO_BASELINE_WARNING not in report.alerts


def test_every_output_step_gets_a_row_of_checks(forecaster: Any, series: np.ndarray) -> None:
    report = quiet_report(
        forecaster, series, samples=[2], states=False, method_options={"n_steps": 8}
    )
    (panel,) = report.samples[0].checks
    assert panel.rows is not None and len(panel.rows.rows) == 10
    predicted = forecaster.predict(series[2:3], verbose=0)[0, :, 0]
    column = panel.rows.columns.index("F(x)")
    shown = [float(row[column]) for row in panel.rows.rows]
    np.testing.assert_allclose(shown, predicted, rtol=1e-3, atol=1e-6)
    assert dict(panel.fields)["faithfulness"].startswith("not scored")
    page = render_html(report)
    assert "Checks per output step (10 rows)" in section(page, "checks", 2)


def test_no_background_shows_the_zero_baseline_note(forecaster: Any, series: np.ndarray) -> None:
    with pytest.warns(RnnlensWarning, match="background"):
        report = collect_report(forecaster, series, target=(9, 0), states=False)
    assert report.alerts[-1] == ZERO_BASELINE_WARNING
    assert dict(report.meta)["baseline"] == "zeros"
    assert dict(report.samples[0].checks[0].fields)["method"] == "integrated_gradients"
    text = PageStructure(render_html(report)).visible_text
    assert "zero sequence is rarely 'no signal'" in text and "--background FILE" in text


def test_without_a_method_the_background_picks_the_recommended_explanation(
    forecaster: Any, series: np.ndarray, background: np.ndarray
) -> None:
    report = collect_report(forecaster, series, target=(9, 0), states=False, background=background)
    expected = rnnlens.attribute(forecaster, series, target=(9, 0), background=background)
    fields = dict(report.samples[0].checks[0].fields)
    assert fields["method"] == expected.method
    assert fields["baseline"] == expected.options["baseline"]
    np.testing.assert_allclose(report.attributions[0].values, expected.values, rtol=1e-4, atol=1e-7)


def test_precomputed_attributions_show_their_diagnostics(
    forecaster: Any, series: np.ndarray
) -> None:
    chosen = series[[0, 2]]
    result = rnnlens.attribute(forecaster, chosen, method="ig", target=(9, 0), baselines=chosen)
    report = collect_report(forecaster, series, samples=[0, 2], states=False, attributions=result)
    assert [sample.checks[0].weak for sample in report.samples] == [True, True]
    assert report.alerts[0].startswith("Weak explanations: 2 of 2 sample(s) (0, 2)")


def test_a_background_the_method_cannot_use_fails_before_any_work(
    background: np.ndarray,
) -> None:
    # The model path does not exist: the option check comes first, so no ModelLoadError.
    with pytest.raises(OptionError, match=r"`background`.*saliency"):
        collect_report("missing.keras", background, method="saliency", background=background)
    with pytest.raises(OptionError, match="`attributions` is\\s+False"):
        report_options(background=background, attributions=False)


def test_a_background_beside_precomputed_attributions_is_refused(
    forecaster: Any, series: np.ndarray
) -> None:
    result = rnnlens.attribute(forecaster, series, method="saliency", target=(9, 0))
    with pytest.raises(OptionError, match="computed already"):
        collect_report(forecaster, series, attributions=result, background=series)


def test_user_strings_in_the_diagnostics_are_escaped(
    forecaster: Any, series: np.ndarray, background: np.ndarray, tmp_path: Path
) -> None:
    evil = " ".join(PAYLOADS)
    panel = DiagnosticsPanel(
        title=f"Attribution of input{evil}",
        fields=((f"feature{evil}", f"value{evil}"),),
        reasons=(f"reason{evil}",),
        notes=(f"note{evil}",),
        rows=Table(title=f"steps{evil}", columns=("step",), rows=((f"0{evil}",),)),
    )
    report = ReportData(
        title="t",
        model_name="m",
        samples=(SampleSection(0, "Sample 0", checks=(panel,)),),
        alerts=(f"alert{evil}",),
    )
    for page in (render_html(report), result_html(report), result_html(panel)):
        structure = PageStructure(page)
        assert not any("__pwned" in text for _, text in structure.scripts)
        assert ("img", "onerror", "window.__pwned=2") not in structure.attributes
        assert PAYLOADS[2] in html.unescape(page) and PAYLOADS[2] not in page
    # A real report whose feature names are markup: the page around the checks stays inert.
    names = Dataset(inputs={"series": series}, feature_names=(PAYLOADS[0],))
    page = render_html(quiet_report(forecaster, names, target=(9, 0), background=background))
    code = [text for kind, text in PageStructure(page).scripts if kind != "application/json"]
    assert not any("__pwned" in text for text in code)
    assert section(page, "checks", 0).count("<script") == 0
