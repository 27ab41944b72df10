"""Reports built by hand (no Keras), for testing the HTML layer on its own."""

from __future__ import annotations

import numpy as np

from rnnlens.report import (
    Card,
    DiagnosticsPanel,
    Heatmap,
    Line,
    ReportData,
    SampleSection,
    SeriesPlot,
    StateGroup,
    Table,
    TokenScores,
)

# Each payload would set window.__pwned (or call alert) if the page ever ran it.
PAYLOADS = (
    "</script><script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "<script>alert('xss')</script>",
    '"><svg onload=window.__pwned=3>',
    "%{z}<b>bold</b>&amp;",
)


def feature_names(count: int) -> tuple[str, ...]:
    return tuple(f"feature {i}" for i in range(count))


def steps(count: int) -> tuple[str, ...]:
    return tuple(str(t) for t in range(count))


def heatmap(rows: int, cols: int, *, seed: int = 0, title: str = "Attribution") -> Heatmap:
    values = np.random.default_rng(seed).normal(size=(rows, cols)).astype("float32")
    return Heatmap(
        title=title,
        values=values,
        x_label="time step",
        x_ticks=steps(cols),
        y_label="feature",
        y_ticks=feature_names(rows),
        value_label="attribution",
    )


def lstm_states(units: int, time: int, *, seed: int = 0, layer: str = "lstm") -> StateGroup:
    rng = np.random.default_rng(seed)
    names = ("hidden state", "cell state", "input gate", "forget gate", "candidate", "output gate")
    heatmaps = []
    for name in names:
        gate = "gate" in name
        values = (
            rng.uniform(0, 1, size=(units, time))
            if gate
            else np.tanh(rng.normal(size=(units, time)))
        )
        heatmaps.append(
            Heatmap(
                title=name,
                values=values,
                x_label="time step",
                x_ticks=steps(time),
                y_label="unit",
                y_ticks=tuple(str(u) for u in range(units)),
                value_label=name,
                scale="sequential" if gate else "diverging",
                zmin=0.0 if gate else None,
                zmax=1.0 if gate else None,
            )
        )
    return StateGroup(layer=layer, kind="LSTM", heatmaps=tuple(heatmaps))


def full_report(
    n_samples: int = 2, time: int = 6, features: int = 3, units: int = 4, *, payloads: bool = False
) -> ReportData:
    """Every kind of section: anatomy, predictions, attribution (heatmap + tokens), forecast, states,
    alignment. With ``payloads`` every user string carries script-injection attempts."""
    evil = " ".join(PAYLOADS) if payloads else ""
    names = tuple(f"{name}{evil}" for name in feature_names(features))
    tokens = tuple(f"tok{i}{evil}" for i in range(time))
    samples = []
    rng = np.random.default_rng(1)
    for index in range(n_samples):
        attribution = Heatmap(
            title=f"Integrated gradients{evil}",
            values=rng.normal(size=(features, time)),
            x_label="time step",
            x_ticks=steps(time),
            y_label=f"feature{evil}",
            y_ticks=names,
            value_label="attribution",
        )
        words = TokenScores(
            title=f"Token attribution{evil}", tokens=tokens, scores=rng.normal(size=time)
        )
        forecast = SeriesPlot(
            title=f"Forecast{evil}",
            x=np.arange(time),
            lines=(
                Line(f"prediction{evil}", rng.normal(size=time)),
                Line("input", rng.normal(size=time), dashed=True),
            ),
        )
        alignment = Heatmap(
            title="Alignment",
            values=rng.uniform(size=(time - 1, time)),
            x_label="encoder token",
            x_ticks=tokens,
            y_label="decoder step",
            y_ticks=tuple(f"out{evil}{i}" for i in range(time - 1)),
            value_label="weight",
            scale="sequential",
        )
        checks = DiagnosticsPanel(
            title=f"Attribution of input{evil}",
            fields=(("method", "integrated_gradients"), ("baseline", f"zeros{evil}")),
            reasons=(f"uninformative baseline{evil}",) if index or payloads else (),
            notes=(f"zero baseline{evil}",) if payloads else (),
            rows=Table(
                title="Checks per output step",
                columns=("output step", "weak because"),
                rows=tuple((f"{t}{evil}", f"gap{evil}" if index else "") for t in range(time)),
            ),
        )
        samples.append(
            SampleSection(
                index=index * 3,
                title=f"Sample {index * 3}{evil}",
                summary=(("prediction", f"0.73{evil}"), ("label", f"positive{evil}")),
                attributions=(attribution, words),
                forecasts=(forecast,),
                states=(lstm_states(units, time, seed=index, layer=f"lstm{evil}"),),
                alignments=(alignment,),
                notes=(f"note{evil}",) if payloads else (),
                checks=(checks,),
            )
        )
    return ReportData(
        title=f"rnnlens report{evil}",
        model_name=f"model{evil}",
        anatomy=(
            Card(
                title=f"output 0{evil}",
                subtitle="many-to-many · forecasting",
                fields=(("shape", "(batch, 10, 1)"), ("axes", f"batch, time, target{evil}")),
                facts=(f"One forecast per timestep.{evil}",),
                warnings=(f"Careful{evil}",) if payloads else (),
            ),
        ),
        predictions=(
            Table(
                title="Decoded predictions",
                columns=("sample", f"prediction{evil}"),
                rows=tuple((str(s.index), f"0.5{evil}") for s in samples),
                row_links=tuple(f"sample-{s.index}" for s in samples),
                caption=f"caption{evil}",
            ),
        ),
        samples=tuple(samples),
        notes=(f"A note{evil}",),
        meta=(("method", f"integrated gradients{evil}"), ("backend", "tensorflow")),
        alerts=(f"Weak explanations: sample 3{evil}",),
    )
