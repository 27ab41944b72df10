"""The default demo: the shipped C-MAPSS FD001 models explained on the official test engines."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.demo.findings import (
    attribution_finding,
    memory_finding,
    output_finding,
    trace_findings,
)
from rnnlens.demo.merge import merge_reports
from rnnlens.demo.result import DemoResult

__all__ = ["run_turbofan_demo"]

FAILURE_LABELS = ("healthy", "fails within 30 cycles")


def _pick_engines(true_rul: np.ndarray, count: int) -> list[int]:
    """Engines spread over the truth: the one closest to failure, the healthiest, and some between."""
    order = np.argsort(true_rul, kind="stable")
    positions = np.linspace(0, len(order) - 1, num=min(count, len(order))).round().astype(int)
    return [int(order[p]) for p in positions]


def run_turbofan_demo(
    output: Path,
    *,
    samples: int = 4,
    n_steps: int | str = "auto",
    progress: bool = False,
    say: Any = print,
) -> DemoResult:
    """Describe, decode, trace and attribute the FD001 models; write one report for both.

    Args:
        output: the HTML report path.
        samples: how many test engines to explain in detail.
        n_steps: integrated-gradients steps.
        progress: show progress bars.
        say: where findings go (``print`` or a rich console's ``print``).
    """
    import rnnlens
    from rnnlens.data import Dataset
    from rnnlens.datasets import load_cmapss_fd001, load_demo_models
    from rnnlens.quality import deletion_curve
    from rnnlens.report import collect_report
    from rnnlens.report.data import Card, Line, SeriesPlot
    from rnnlens.report.html import write_report
    from rnnlens.units import memory_timescales

    models = load_demo_models()
    data = load_cmapss_fd001(window=models.window, rul_cap=models.rul_cap)
    findings: list[str] = []

    def note(line: str) -> None:
        findings.append(line)
        say(line)

    rul_spec = rnnlens.inspect_model(models.rul_model)
    failure_spec = rnnlens.inspect_model(models.failure_model)
    note(output_finding("RUL model", rul_spec))
    note(output_finding("Failure model", failure_spec))

    rul_data = Dataset(
        inputs={models.rul_model.inputs[0].name: data.x_test},
        feature_names=data.feature_names,
        sequence_ids=data.unit_test,
        timestamps=data.cycle_test,
        targets=data.y_test_raw,
    )
    failure_data = replace(
        rul_data,
        inputs={models.failure_model.inputs[0].name: data.x_test},
        targets=data.failure_test,
        labels=FAILURE_LABELS,
    )
    rul = rnnlens.decode(models.rul_model, rul_data)
    predicted_rul = rul.table["value"].to_numpy()
    rmse = float(np.sqrt(np.mean((predicted_rul - data.y_test_raw) ** 2)))
    note(
        f"Decoded RUL for {len(predicted_rul)} test engines: RMSE {rmse:.2f} cycles against NASA's "
        "official truth."
    )
    failure = rnnlens.decode(models.failure_model, failure_data, labels=FAILURE_LABELS)
    probabilities = models.failure_model.predict(data.x_test, verbose=0)[..., 0]
    last_correct = float(np.mean((probabilities[:, -1] > 0.5) == (data.failure_test[:, -1] > 0.5)))
    note(
        f"Decoded per-cycle failure risk ({len(failure.table)} rows): the label at each engine's last "
        f"cycle is right for {last_correct:.0%} of engines."
    )

    chosen = _pick_engines(data.y_test_raw, samples)
    names = [
        f"engine {int(data.unit_test[i])} (true RUL {int(data.y_test_raw[i])})" for i in chosen
    ]
    trace = rnnlens.trace(models.rul_model, data.x_test[chosen])
    for line in trace_findings("RUL model", trace):
        note(line)
    # Explained against the training data (not a zero sequence): rnnlens picks the recommended method.
    background = data.x_train[:: max(1, len(data.x_train) // 256)]
    attribution: Any = rnnlens.attribute(
        models.rul_model, data.x_test[chosen], target=0, background=background
    )
    for line in attribution_finding("RUL model", attribution, data.feature_names, names):
        note(line)
    note(memory_finding("RUL model", memory_timescales(trace), unit_name="cycles"))
    curve = deletion_curve(
        models.rul_model,
        data.x_test[chosen],
        attribution,
        target=0,
        steps=10,
        background=background,
    )
    faithfulness = curve.scores()
    note(
        f"RUL model ({attribution.method} against the training data): deleting the cells it ranks "
        "highest, towards the training data's mean, moves the prediction "
        f"{faithfulness['random_gap']:+.1f} cycles more (AOPC) than deleting random cells: the "
        "explanation is "
        + (
            "more faithful than chance."
            if faithfulness["random_gap"] > 0
            else "no better than chance."
        )
    )

    options = {"n_steps": n_steps}
    # The RUL model's spec, trace and attributions above are exactly what its report shows: reuse them.
    rul_report = collect_report(
        models.rul_model,
        rul_data,
        samples=chosen,
        method_options=options,
        progress=progress,
        spec=rul_spec,
        trace=trace,
        attributions=attribution,
        step_name="cycle",
        value_units="cycles",
        input_scaler=data.scaler,
    )
    failure_report = collect_report(
        models.failure_model,
        failure_data,
        samples=chosen,
        labels=FAILURE_LABELS,
        method_options=options,
        progress=progress,
        spec=failure_spec,
        background=background,
        step_name="cycle",
        input_scaler=data.scaler,
    )
    risk_plots = {
        index: [
            SeriesPlot(
                title=f"Failure risk per cycle, {name}",
                x=data.cycle_test[index].astype("float32"),
                lines=(
                    Line("P(fails within 30 cycles)", probabilities[index]),
                    Line("truth (1 = within 30 cycles)", data.failure_test[index], dashed=True),
                ),
                x_label="cycle",
                y_label="probability",
            )
        ]
        for index, name in zip(chosen, names, strict=True)
    }
    overview = Card(
        title="C-MAPSS FD001 turbofan demo",
        subtitle="NASA run-to-failure simulation; 100 official test engines",
        fields=(
            ("RUL test RMSE", f"{rmse:.2f} cycles"),
            ("failure label right at last cycle", f"{last_correct:.0%}"),
            ("window", f"{models.window} cycles x {len(data.feature_names)} sensors"),
            ("RUL cap", str(models.rul_cap)),
        ),
        facts=tuple(findings),
    )
    report = merge_reports(
        "rnnlens demo: turbofan remaining useful life",
        [("RUL model", rul_report), ("Failure model", failure_report)],
        sample_titles={
            index: name[0].upper() + name[1:] for index, name in zip(chosen, names, strict=True)
        },
        extra_forecasts=risk_plots,
        overview=overview,
    )
    path = write_report(report, output)
    return DemoResult(
        name="turbofan",
        report_path=path,
        findings=tuple(findings),
        figures={
            "test_rmse": rmse,
            "failure_last_cycle_accuracy": last_correct,
            "deletion_random_gap": float(faithfulness["random_gap"]),
        },
    )
