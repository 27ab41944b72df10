"""The data-set view (#13 items 3-5): truth, global importance, units; checked against NumPy and Keras."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.data import Dataset
from rnnlens.report import collect_report, render_html
from rnnlens.report.importance import feature_importance, importance_parts, step_importance
from rnnlens.report.truth import (
    choose_samples,
    compare_classes,
    compare_values,
    confusion_matrix,
    truth_parts,
)
from rnnlens.report.units_view import units_parts
from tests.helpers import random_tokens


@pytest.fixture(scope="module")
def classifier():
    """LSTM(4) + softmax over 3 classes, 6 steps x 2 features."""
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((6, 2), name="sensors")
    hidden = keras.layers.LSTM(4, name="lstm")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    return model


def _blocks(report):
    return {block.key: block for block in report.overview}


def test_confusion_matrix_equals_a_numpy_count():
    rng = np.random.default_rng(0)
    truth, predicted = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    counts = confusion_matrix(compare_classes(truth, predicted))
    expected = np.array(
        [[np.sum((truth == i) & (predicted == j)) for j in range(4)] for i in range(4)]
    )
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == 200


def test_one_hot_targets_are_read_as_classes():
    truth = compare_classes(np.eye(3)[[2, 0, 1]], np.array([2, 1, 1]), ("a", "b", "c"))
    assert truth.truth.tolist() == [2, 0, 1]
    assert truth.correct.tolist() == [True, False, True]


def test_chosen_samples_include_both_classes_and_mistakes():
    truth = compare_classes([0] * 10 + [1] * 2, [0] * 9 + [1] + [1, 1])
    chosen = choose_samples(truth, 3)
    assert 9 in chosen  # the only mistake
    assert {int(truth.truth[i]) for i in chosen} == {0, 1}
    assert choose_samples(truth, 3) == sorted(set(chosen))  # sorted, unique, deterministic


def test_regression_choice_keeps_the_largest_error():
    truth = compare_values(np.arange(10.0), np.arange(10.0) + np.eye(10)[7] * 5)
    chosen = choose_samples(truth, 3)
    assert 7 in chosen and len(chosen) == 3
    summary, _plot, largest = truth_parts(truth, chosen)
    assert largest.rows[0][0] == "7" and largest.row_links[0] == "sample-7"
    assert float(summary.rows[0][1]) == pytest.approx(0.5)  # mean absolute error


def test_global_importance_is_the_mean_of_absolute_values():
    values = np.random.default_rng(1).normal(size=(5, 7, 3))
    found = feature_importance(values)
    np.testing.assert_allclose(found.mean, np.abs(values).sum(axis=1).mean(axis=0))
    np.testing.assert_allclose(found.spread, np.abs(values).sum(axis=1).std(axis=0))
    np.testing.assert_allclose(
        step_importance(values).mean, np.abs(values).sum(axis=2).mean(axis=0)
    )
    assert found.ranking().tolist() == np.argsort(-found.mean).tolist()


def test_misclassified_samples_are_flagged_and_chosen(classifier):
    x = np.random.default_rng(4).normal(size=(30, 6, 2)).astype("float32")
    predicted = np.asarray(classifier.predict(x, verbose=0)).argmax(axis=1)
    targets = predicted.copy()
    targets[[2, 17]] = (predicted[[2, 17]] + 1) % 3  # two mistakes
    data = Dataset(
        inputs={"sensors": x},
        feature_names=("speed", "load"),
        labels=("ok", "worn", "broken"),
        targets=targets,
        sequence_ids=np.arange(30) % 3,
    )
    report = collect_report(classifier, data, max_samples=5, method="saliency")
    chosen = [section.index for section in report.samples]
    assert {2, 17} <= set(chosen)
    flagged = {s.index for s in report.samples if s.title.endswith("(misclassified)")}
    assert flagged == {2, 17}
    assert any("misclassified" in note.lower() for note in report.samples[chosen.index(2)].notes)
    blocks = _blocks(report)
    summary, matrix, misses = blocks["truth"].parts
    expected = np.array(
        [[np.sum((targets == i) & (predicted == j)) for j in range(3)] for i in range(3)]
    )
    np.testing.assert_array_equal(matrix.values, expected)
    assert [row[0] for row in misses.rows] == ["2", "17"]
    assert summary.rows[0][1:3] == ("28", "2")

    # Global importance over the explained samples equals the mean of |attribution| of the result.
    (result,) = report.attributions
    table = blocks["importance"].parts[0]
    per_feature = np.abs(np.asarray(result.values, np.float64)).sum(axis=1).mean(axis=0)
    by_name = {row[1]: float(row[2]) for row in table.rows}
    for name, value in zip(("speed", "load"), per_feature, strict=True):
        assert by_name[name] == pytest.approx(value, rel=1e-2)
    assert [row[1] for row in table.rows] == [
        ("speed", "load")[i] for i in np.argsort(-per_feature)
    ]

    page = render_html(report)
    for key in ("truth", "importance", "units"):
        assert f'id="{key}"' in page and f'href="#{key}"' in page
    assert '<details class="folded">' in page and 'href="#sample-17"' in page


def test_units_are_sorted_by_memory_timescale(classifier):
    import rnnlens
    from rnnlens.units import memory_timescales

    x = np.random.default_rng(5).normal(size=(4, 6, 2)).astype("float32")
    trace = rnnlens.trace(classifier, x)
    table, plot, heat = units_parts(trace, inputs=x, feature_names=("speed", "load"))
    timescales = memory_timescales(trace)
    expected = timescales.sort_values("timescale", ascending=False, kind="stable")["unit"].tolist()
    assert [int(u) for u in heat.y_ticks] == expected
    drawn = plot.lines[0].values
    assert np.all(np.diff(drawn[np.isfinite(drawn)]) <= 0)
    assert {row[0] for row in table.rows} >= {"longest memory", "most saturated", "tracks speed"}


def test_token_importance_ranks_tokens_by_text(sentiment):
    import rnnlens

    x = random_tokens(3, 20, 50, seed=6)
    result = rnnlens.attribute(sentiment, x, method="saliency")
    vocab = tuple(f"w{i}" for i in range(50))
    table, _ = importance_parts([result], vocab=vocab)
    values = np.abs(np.asarray(result.values, np.float64))
    top = table.rows[0][1]
    ids = int(top[1:])
    assert float(table.rows[0][2]) == pytest.approx(values[x == ids].mean(), rel=1e-2)
