"""References from background data (#12 item 1): mean sequences, opposite-class and nearest-other references.

Every reference is checked against the classes Keras itself predicts and a NumPy mean of the background.
"""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import Baseline, Target, prepare_problem
from rnnlens.attribution.baselines import resolve_baselines
from rnnlens.errors import DataError, OptionError, ShapeError
from tests.helpers import random_series, random_tokens


def _classifier(units: int, activation: str, *, sequences: bool = False, steps: int | None = 5):
    """LSTM(3) with equal units (h > 0 when the inputs sum high) + a hand-set head: deterministic."""
    import keras

    lstm = keras.layers.LSTM(
        3,
        return_sequences=sequences,
        kernel_initializer="ones",
        recurrent_initializer="zeros",
    )
    head = keras.layers.Dense(units, activation=activation)
    model = keras.Sequential([keras.Input((steps, 2)), lstm, head])
    kernel = np.ones((3, 1)) * np.array([1.0, -1.0, 0.5])[:units]  # unit 0 high when h > 0
    head.set_weights([kernel.astype("float32"), np.zeros(units, "float32")])
    return model


@pytest.fixture(scope="module")
def softmax_model():
    return _classifier(2, "softmax")


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    return random_series(4, 5, 2, seed=21)


@pytest.fixture(scope="module")
def background() -> np.ndarray:
    return random_series(12, 5, 2, seed=22)


def _references(model, inputs, baseline, target="predicted"):
    return prepare_problem(model, inputs, target, baseline).baselines


def _resolved(model, inputs, baseline, target):
    """Resolved with the target (prepare_problem resolves class references without it, yet)."""
    problem = prepare_problem(model, inputs, target)
    return resolve_baselines(
        baseline,
        problem.engine,
        problem.arrays,
        problem.space,
        target=problem.target,
        outputs=problem.outputs,
    )


def _expected_opposite(classes_x, classes_b, background):
    return np.stack([background[classes_b != c].mean(axis=0) for c in classes_x])


# ------------------------------------------------------------------------------------- mean sequence
def test_sequence_mean_is_the_mean_per_step_and_feature(softmax_model, samples, background):
    (reference,) = _references(softmax_model, samples, Baseline.sequence_mean(background))
    expected = np.broadcast_to(background.mean(axis=0), samples.shape)
    np.testing.assert_allclose(reference, expected, atol=1e-6)
    (flat,) = _references(softmax_model, samples, Baseline.mean(background))
    assert not np.allclose(reference, flat)  # one value per step, not one per feature


# ------------------------------------------------------------------------------------ opposite class
def test_opposite_class_averages_background_of_the_other_class(softmax_model, samples, background):
    classes_x = softmax_model.predict(samples, verbose=0).argmax(axis=1)
    classes_b = softmax_model.predict(background, verbose=0).argmax(axis=1)
    assert len(set(classes_x)) == 2 and len(set(classes_b)) == 2  # the test covers both classes
    (reference,) = _references(softmax_model, samples, Baseline.opposite_class(background))
    np.testing.assert_allclose(
        reference, _expected_opposite(classes_x, classes_b, background), atol=1e-6
    )


def test_integrated_gradients_from_the_opposite_class_is_complete(
    softmax_model, samples, background
):
    """IG from the reference sums to F(x) - F(reference), F evaluated by Keras on the reference."""
    classes_x = softmax_model.predict(samples, verbose=0).argmax(axis=1)
    classes_b = softmax_model.predict(background, verbose=0).argmax(axis=1)
    result = rnnlens.attribute(
        softmax_model,
        samples,
        target="predicted",
        baselines=Baseline.opposite_class(background),
        n_steps=64,
    )
    reference = _expected_opposite(classes_x, classes_b, background)
    at_reference = softmax_model.predict(reference, verbose=0)[np.arange(4), classes_x]
    np.testing.assert_allclose(result.baseline_outputs, at_reference, atol=1e-5)
    total = result.values.reshape(4, -1).sum(axis=1)
    np.testing.assert_allclose(total, result.outputs - at_reference, atol=1e-3)


def test_single_sigmoid_unit_takes_the_other_side_of_one_half(samples, background):
    model = _classifier(1, "sigmoid")
    side_x = model.predict(samples, verbose=0)[:, 0] > 0.5
    side_b = model.predict(background, verbose=0)[:, 0] > 0.5
    assert side_x.any() and not side_x.all()
    (reference,) = _references(model, samples, Baseline.opposite_class(background), None)
    np.testing.assert_allclose(reference, _expected_opposite(side_x, side_b, background), atol=1e-6)


def test_sequence_output_reads_the_class_at_the_target_step(samples, background):
    model = _classifier(3, "softmax", sequences=True)
    step = 2
    classes_x = model.predict(samples, verbose=0)[:, step].argmax(axis=-1)
    classes_b = model.predict(background, verbose=0)[:, step].argmax(axis=-1)
    (reference,) = _resolved(
        model, samples, Baseline.opposite_class(background), (step, "predicted")
    )
    np.testing.assert_allclose(
        reference, _expected_opposite(classes_x, classes_b, background), atol=1e-6
    )


def test_multi_input_references_share_the_classes_of_the_whole_model(translator):
    """Seq2seq: one selection of background samples for the encoder and decoder inputs alike."""
    source, decoded = random_tokens(3, 6, 20, seed=31), random_tokens(3, 5, 20, seed=32)
    back_source, back_decoded = random_tokens(16, 6, 20, seed=33), random_tokens(16, 5, 20, seed=34)
    step = 1
    classes_x = translator.predict([source, decoded], verbose=0)[:, step].argmax(axis=-1)
    classes_b = translator.predict([back_source, back_decoded], verbose=0)[:, step].argmax(axis=-1)
    problem = prepare_problem(translator, [source, decoded], (step, "predicted"))
    references = resolve_baselines(
        Baseline.opposite_class([back_source, back_decoded]),
        problem.engine,
        problem.arrays,
        problem.space,
        target=problem.target,
        outputs=problem.outputs,
    )
    for slot, ids, reference in zip(
        problem.engine.slots, (back_source, back_decoded), references, strict=True
    ):
        vectors = problem.engine.embed(slot, ids)
        np.testing.assert_allclose(
            reference, _expected_opposite(classes_x, classes_b, vectors), atol=1e-6
        )


def test_token_references_leave_padding_out(sentiment, padded_tokens):
    background = random_tokens(10, 20, 50, seed=35)
    background[:, :4] = 0  # padded steps: no vector to average there
    side_x = sentiment.predict(padded_tokens, verbose=0)[:, 0] > 0.5
    side_b = sentiment.predict(background, verbose=0)[:, 0] > 0.5
    if side_b.all() or not side_b.any():
        pytest.skip("the untrained sentiment model puts all background on one side")
    problem = prepare_problem(sentiment, padded_tokens, None, Baseline.opposite_class(background))
    vectors = problem.engine.embed(problem.engine.slots[0], background)
    expected = _expected_opposite(side_x, side_b, vectors)
    expected[:, :4] = 0.0
    np.testing.assert_allclose(problem.baselines[0], expected, atol=1e-6)


# --------------------------------------------------------------------------------- nearest other
def test_nearest_other_with_k_1_is_the_nearest_sample_of_another_class(
    softmax_model, samples, background
):
    classes_x = softmax_model.predict(samples, verbose=0).argmax(axis=1)
    classes_b = softmax_model.predict(background, verbose=0).argmax(axis=1)
    (reference,) = _references(softmax_model, samples, Baseline.nearest_other(background, k=1))
    for i, label in enumerate(classes_x):
        others = background[classes_b != label]
        nearest = others[np.argmin(((others - samples[i]) ** 2).sum(axis=(1, 2)))]
        np.testing.assert_allclose(reference[i], nearest, atol=1e-6)
    (every,) = _references(softmax_model, samples, Baseline.nearest_other(background, k=100))
    (opposite,) = _references(softmax_model, samples, Baseline.opposite_class(background))
    np.testing.assert_allclose(every, opposite, atol=1e-6)


# ------------------------------------------------------------------------------------------ errors
def test_regression_output_is_refused_with_the_fix(samples, background):
    model = _classifier(1, "linear")
    with pytest.raises(OptionError, match=r"classifier output.*Baseline\.mean"):
        _references(model, samples, Baseline.opposite_class(background), None)


def test_no_background_of_another_class_is_a_data_error(softmax_model, samples, background):
    classes_b = softmax_model.predict(background, verbose=0).argmax(axis=1)
    one_class = background[classes_b == classes_b[0]]
    with pytest.raises(DataError, match="another class"):
        _references(softmax_model, samples, Baseline.opposite_class(one_class))


def test_background_of_the_wrong_shape_names_the_reference(softmax_model, samples):
    with pytest.raises(ShapeError, match="Baseline.opposite_class.*background"):
        _references(softmax_model, samples, Baseline.opposite_class(np.zeros((3, 5, 4), "float32")))


def test_background_with_other_lengths_is_refused_for_sequences(samples, background):
    model = _classifier(2, "softmax", steps=None)
    with pytest.raises(ShapeError, match="number of steps"):
        _references(model, samples, Baseline.sequence_mean(background[:, :3]))


def test_multi_label_sigmoid_needs_a_one_unit_target(samples, background):
    model = _classifier(3, "sigmoid")
    with pytest.raises(OptionError, match="multi-label"):
        _resolved(model, samples, Baseline.opposite_class(background), Target(unit=[0, 1, 2, 0]))
    side_x = model.predict(samples, verbose=0)[:, 1] > 0.5
    side_b = model.predict(background, verbose=0)[:, 1] > 0.5
    (reference,) = _resolved(model, samples, Baseline.opposite_class(background), 1)
    np.testing.assert_allclose(reference, _expected_opposite(side_x, side_b, background), atol=1e-6)


def test_nearest_other_checks_k():
    with pytest.raises(OptionError, match="`k`"):
        Baseline.nearest_other(np.zeros((2, 5, 2)), k=0)
