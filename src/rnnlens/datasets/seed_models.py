"""The three example models of the user's seed document, as builders.

Each builder returns an *untrained*, compiled model with the seed's architecture; sizes can be shrunk for fast
tests. They are shared by the tests, the demos and the docs so that every part of rnnlens is exercised on the
models users actually wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

__all__ = ["build_forecaster", "build_sentiment_classifier", "build_translator"]


def build_forecaster(
    timesteps: int = 10, features: int = 1, units: int = 32, *, seed: int = 0
) -> keras.Model:
    """Seed example 1: ``LSTM(return_sequences=True)`` + ``Dense(1)``, one forecast per timestep, mse loss.

    Input ``(batch, timesteps, features)``; output ``(batch, timesteps, 1)``.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(timesteps, features), name="series"),
            keras.layers.LSTM(units, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="forecast"),
        ],
        name="lstm_forecaster",
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def build_sentiment_classifier(
    vocab_size: int = 1000,
    sequence_length: int = 20,
    embedding_dim: int = 16,
    units: int = 32,
    *,
    mask_zero: bool = False,
    seed: int = 0,
) -> keras.Model:
    """Seed example 2: ``Embedding`` + ``LSTM`` + ``Dense(1, sigmoid)``, binary cross-entropy.

    Input ``(batch, sequence_length)`` integer token ids; output ``(batch, 1)``: P(positive).
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(sequence_length,), dtype="int32", name="tokens"),
            keras.layers.Embedding(
                vocab_size, embedding_dim, mask_zero=mask_zero, name="embedding"
            ),
            keras.layers.LSTM(units, name="lstm"),
            keras.layers.Dense(1, activation="sigmoid", name="sentiment"),
        ],
        name="sentiment_classifier",
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def build_translator(
    source_vocab: int = 100,
    target_vocab: int = 100,
    source_length: int = 10,
    target_length: int = 10,
    embedding_dim: int = 16,
    units: int = 32,
    *,
    seed: int = 0,
) -> keras.Model:
    """Seed example 3: GRU encoder-decoder; the encoder's final state initialises the decoder.

    Inputs ``(batch, source_length)`` source ids and ``(batch, target_length)`` decoder ids (the target
    shifted right, i.e. teacher forcing); output ``(batch, target_length, target_vocab)``: per-step
    distributions over the next target token. Loss: sparse categorical cross-entropy.
    """
    import keras

    keras.utils.set_random_seed(seed)
    encoder_inputs = keras.Input(shape=(source_length,), dtype="int32", name="encoder_tokens")
    encoder_embedding = keras.layers.Embedding(
        source_vocab, embedding_dim, name="encoder_embedding"
    )(encoder_inputs)
    _, state_h = keras.layers.GRU(units, return_state=True, name="encoder_gru")(encoder_embedding)
    decoder_inputs = keras.Input(shape=(target_length,), dtype="int32", name="decoder_tokens")
    decoder_embedding = keras.layers.Embedding(
        target_vocab, embedding_dim, name="decoder_embedding"
    )(decoder_inputs)
    decoder_sequence, _ = keras.layers.GRU(
        units, return_sequences=True, return_state=True, name="decoder_gru"
    )(decoder_embedding, initial_state=state_h)
    probabilities = keras.layers.Dense(target_vocab, activation="softmax", name="next_token")(
        decoder_sequence
    )
    model = keras.Model([encoder_inputs, decoder_inputs], probabilities, name="gru_translator")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
