"""The seed document's three models, trained on generated data and explained end to end."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.decoding import RegressionOptions
from rnnlens.demo.choice import samples_to_explain
from rnnlens.demo.findings import output_finding, trace_findings
from rnnlens.demo.merge import merge_reports
from rnnlens.demo.result import DemoResult

__all__ = ["run_example_demo"]


def run_example_demo(
    name: str,
    output: Path,
    *,
    samples: int = 3,
    epochs: int | None = None,
    n_steps: int | str = "auto",
    progress: bool = False,
    say: Any = print,
) -> DemoResult:
    """Train seed example ``name`` (forecast, sentiment, translation) and write its report.

    Args:
        name: which example.
        output: the HTML report path.
        samples: how many samples to explain in detail.
        epochs: training epochs (default: enough for a model worth explaining; tests pass fewer).
        n_steps: integrated-gradients steps.
        progress: show progress bars.
        say: where findings go.
    """
    import rnnlens
    from rnnlens.datasets.examples import train_example

    findings: list[str] = []

    def note(line: str) -> None:
        findings.append(line)
        say(line)

    model, data = train_example(name, epochs=epochs)
    spec = rnnlens.inspect_model(model)
    note(output_finding(f"{name} model", spec))
    runner = {"forecast": _forecast, "sentiment": _sentiment, "translation": _translation}[name]
    report, figures = runner(model, data, samples, n_steps, progress, note)
    from rnnlens.report.html import write_report

    path = write_report(report, output)
    return DemoResult(name=name, report_path=path, findings=tuple(findings), figures=figures)


def _dataset(model: Any, data: Any, **extra: Any) -> Any:
    from rnnlens.data import Dataset

    inputs = {tensor.name: array for tensor, array in zip(model.inputs, data.inputs, strict=True)}
    return Dataset(inputs=inputs, targets=data.targets, **extra)


def _forecast(
    model: Any, data: Any, samples: int, n_steps: int | str, progress: bool, note: Any
) -> Any:
    import rnnlens
    from rnnlens.report import collect_report
    from rnnlens.report.data import Line, SeriesPlot

    (x,) = data.inputs
    dataset = _dataset(model, data, feature_names=data.feature_names)
    # One reading of the output for the console, the table and the plots: original units, step t -> t+1.
    decode_options = {
        "scaler": data.scaler,
        "target_offset": 1,
        "target_names": data.target_names,
    }
    decoded = rnnlens.decode(model, dataset, regression=RegressionOptions(**decode_options))
    values = decoded.table["value"].to_numpy().reshape(len(x), -1)
    truth = data.scaler.inverse_transform(data.targets[..., 0])
    mae = float(np.mean(np.abs(values - truth)))
    note(
        f"Decoded {values.size} per-step forecasts in {data.units}; each step t predicts the reading at "
        f"t+1. Mean absolute error {mae:.3f} {data.units}."
    )
    chosen = samples_to_explain(model, dataset, samples, decode_options=decode_options)
    trace = rnnlens.trace(model, x[chosen])
    for line in trace_findings("forecast model", trace):
        note(line)
    report = collect_report(
        model,
        dataset,
        samples=chosen,
        method_options={"n_steps": n_steps},
        decode_options=decode_options,
        progress=progress,
        trace=trace,
        # The model reads and predicts standardised readings: its attributions stay in scaled units.
        step_name="hour",
    )
    # The demo's own plot below shows the same forecasts with the input readings in mm/s beside them.
    report = replace(report, samples=tuple(replace(s, forecasts=()) for s in report.samples))
    readings = data.scaler.inverse_transform(x[..., 0])
    steps = x.shape[1]
    hours = np.arange(
        steps + 1, dtype="float32"
    )  # the forecast of the last reading reaches one hour on
    gap = np.full(1, np.nan, dtype="float32")
    plots = {
        i: [
            SeriesPlot(
                title=f"Vibration in {data.units}: readings, and each forecast at the hour it predicts",
                x=hours,
                lines=(
                    Line("input reading (hour t)", np.concatenate([readings[i], gap])),
                    Line("forecast made at t-1", np.concatenate([gap, values[i]])),
                    Line("actual reading", np.concatenate([gap, truth[i]]), dashed=True),
                ),
                x_label="hour",
                y_label=data.units,
            )
        ]
        for i in chosen
    }
    merged = merge_reports(
        "rnnlens demo: LSTM vibration forecaster (seed example 1)",
        [("forecaster", report)],
        extra_forecasts=plots,
    )
    return merged, {"mae": mae}


def _sentiment(
    model: Any, data: Any, samples: int, n_steps: int | str, progress: bool, note: Any
) -> Any:
    import rnnlens
    from rnnlens.report import collect_report

    (tokens,) = data.inputs
    vocab = data.vocab["tokens"]
    dataset = _dataset(model, data, labels=data.class_names, vocab=vocab)
    decoded = rnnlens.decode(model, dataset, labels=data.class_names)
    probability = decoded.table["probability"].to_numpy()
    accuracy = float(np.mean((probability > 0.5) == (data.targets[:, 0] > 0.5)))
    note(
        f"Decoded P(positive) for {len(probability)} reviews; accuracy {accuracy:.1%} at threshold 0.5."
    )
    # Reviews of both classes, right and wrong, as the report itself would choose them.
    chosen = samples_to_explain(model, dataset, samples, labels=data.class_names)
    attribution: Any = rnnlens.attribute(
        model, tokens[chosen], method="integrated_gradients", n_steps=n_steps
    )
    scores = np.asarray(attribution.values)
    sentiment_words = set(vocab[2:18])
    share: list[float] = []
    for row, sample in enumerate(chosen):
        ids = tokens[sample]
        order = np.argsort(-np.abs(scores[row]))[:3]
        words = ", ".join(f"{vocab[ids[i]]!r} ({scores[row, i]:+.2f})" for i in order)
        note(
            f"Review {sample} (P(positive)={probability[sample]:.2f}): most influential tokens {words}."
        )
        top = [vocab[ids[i]] for i in order if ids[i] != 0]
        share.append(float(np.mean([w in sentiment_words for w in top])) if top else 0.0)
    report = collect_report(
        model,
        dataset,
        samples=chosen,
        labels=data.class_names,
        vocab=vocab,
        method_options={"n_steps": n_steps},
        progress=progress,
        attributions=attribution,
    )
    merged = merge_reports(
        "rnnlens demo: Embedding + LSTM sentiment classifier (seed example 2)",
        [("sentiment", report)],
    )
    return merged, {"accuracy": accuracy, "top_tokens_sentiment_share": float(np.mean(share))}


def _translation(
    model: Any, data: Any, samples: int, n_steps: int | str, progress: bool, note: Any
) -> Any:
    import rnnlens
    from rnnlens.attribution import Target
    from rnnlens.report import collect_report

    source, decoder = data.inputs
    source_vocab, target_vocab = data.vocab["encoder_tokens"], data.vocab["decoder_tokens"]
    generated = rnnlens.decode(model, [source], vocab=target_vocab, generate=True)
    table = generated.table
    note(
        f"Greedy translation without teacher forcing: {table['sample'].nunique()} sentences, "
        f"{len(table)} generated tokens with per-step probabilities."
    )
    chosen = list(range(min(samples, len(source))))
    for sample in chosen:
        words = " ".join(source_vocab[i] for i in source[sample] if i)
        rows = table[table["sample"] == sample]
        note(f"'{words}' -> '{' '.join(str(t) for t in rows['token'])}'")
    predictions = model.predict([source, decoder], verbose=0)
    real = data.targets > 0
    accuracy = float(np.mean((predictions.argmax(-1) == data.targets)[real]))
    note(
        f"Teacher-forced next-token accuracy {accuracy:.1%} (per-step distributions over {predictions.shape[-1]} tokens)."
    )
    results: Any = rnnlens.attribute(
        model,
        [source[chosen], decoder[chosen]],
        method="integrated_gradients",
        target=Target(time="all", unit="predicted"),
        n_steps=n_steps,
    )
    encoder_ig = results[0]
    diagonal = []
    for row, sample in enumerate(chosen):
        length = int(np.count_nonzero(source[sample]))
        matrix = np.abs(np.asarray(encoder_ig.values[row]))[:length, :length]
        diagonal.append(float(np.mean(matrix.argmax(axis=1) == np.arange(length))))
    note(
        "Decoder-step x encoder-token attribution: for "
        f"{np.mean(diagonal):.0%} of decoder steps the strongest source token is the word being translated."
    )
    dataset = _dataset(model, data)
    report = collect_report(
        model,
        dataset,
        samples=chosen,
        vocab={"encoder_tokens": source_vocab, "decoder_tokens": target_vocab},
        target=Target(time="all", unit="predicted"),
        method_options={"n_steps": n_steps},
        progress=progress,
        attributions=results,
    )
    merged = merge_reports(
        "rnnlens demo: GRU encoder-decoder translator (seed example 3)", [("translator", report)]
    )
    return merged, {
        "teacher_forced_accuracy": accuracy,
        "alignment_diagonal": float(np.mean(diagonal)),
    }
