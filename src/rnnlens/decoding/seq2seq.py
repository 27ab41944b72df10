"""Encoder-decoder models: greedy generation, the decoder fed its own previous token (no teacher forcing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rnnlens.decoding.categorical import entropy
from rnnlens.decoding.forward import compiled_forward
from rnnlens.errors import OptionError, TargetError

__all__ = [
    "END_TOKENS",
    "START_TOKENS",
    "Generation",
    "generate_greedy",
    "generation_tables",
    "resolve_token",
]

START_TOKENS = ("<start>", "[START]", "<s>", "<bos>", "[BOS]", "<sos>", "<go>", "\t")
END_TOKENS = ("<end>", "[END]", "</s>", "<eos>", "[EOS]", "\n")


@dataclass(frozen=True, eq=False)
class Generation:
    """Greedy decoding results.

    Attributes:
        tokens: ``(batch, steps)`` generated ids; -1 after a sample stopped.
        probabilities: ``(batch, steps)`` probability of each generated token; NaN after a stop.
        entropies: ``(batch, steps)`` entropy (nats) of each step's distribution; NaN after a stop.
        lengths: ``(batch,)`` tokens generated, the end token included.
        ended: ``(batch,)`` True where the end token stopped generation (else the length limit did).
        start_token: the id fed at step 0.
        end_token: the id that stops a sample, or None.
        model_calls: compiled model calls made (one per step per batch chunk).
    """

    tokens: np.ndarray
    probabilities: np.ndarray
    entropies: np.ndarray
    lengths: np.ndarray
    ended: np.ndarray
    start_token: int
    end_token: int | None
    model_calls: int


def resolve_token(
    token: int | str | None, vocab: Sequence[str] | None, defaults: Sequence[str], role: str
) -> int | None:
    """Turn a token (id, text, or None for the vocabulary's usual marker) into an id."""
    if token is None:
        if vocab is None:
            return None
        listed = list(vocab)
        return next((listed.index(t) for t in defaults if t in listed), None)
    if isinstance(token, int | np.integer) and not isinstance(token, bool):
        return int(token)
    if (
        isinstance(token, str)
        and token.lstrip("-").isdigit()
        and (vocab is None or token not in vocab)
    ):
        return int(token)
    if vocab is None:
        raise TargetError(
            f"`{role}` is the text {token!r} but no vocabulary was given to look it up; pass its id or "
            "the vocabulary."
        )
    text = str(token)
    if text not in vocab:
        raise TargetError(f"`{role}` {text!r} is not in the vocabulary ({len(vocab)} tokens).")
    return list(vocab).index(text)


def generate_greedy(
    model: Any,
    inputs: Sequence[np.ndarray],
    *,
    decoder_index: int,
    output_index: int = 0,
    start_token: int,
    end_token: int | None = None,
    max_length: int | None = None,
    probability_transform: str = "none",
    batch_size: int = 512,
) -> Generation:
    """Generate with the model's decoder reading its own previous outputs, greedily (argmax per step).

    The decoder input buffer starts as ``[start, 0, 0, ...]``; at step t the whole batch goes through one
    compiled model call, the argmax of the output at step t becomes token t and is written into the
    buffer at t + 1. This needs a causal decoder (a step's output must not depend on later decoder
    inputs); an output of shape ``(batch, steps, vocab)``. A sample stops at ``end_token``; all stop at
    ``max_length`` (at most the decoder input's length when it is fixed).

    Args:
        model: an encoder-decoder ``keras.Model``.
        inputs: one array per model input (the decoder's entry is ignored; pass anything).
        decoder_index: position of the decoder token input in ``model.inputs``.
        output_index: which model output holds the per-step distributions.
        start_token: id fed at step 0.
        end_token: id that ends a sample, or None to always run to ``max_length``.
        max_length: steps to generate.
        probability_transform: ``"none"`` (softmax outputs), ``"softmax"`` (logits) or ``"exp"``
            (log-probabilities).
        batch_size: samples per compiled call.

    Returns:
        :class:`Generation`.

    Raises:
        OptionError: no usable length (``max_length`` missing for a decoder of free length, below 1, or
            beyond a fixed-length decoder).
        TargetError: token ids outside the output vocabulary.

    Example:
        >>> gen = generate_greedy(model, [src, None], decoder_index=1, start_token=1, end_token=2)  # doctest: +SKIP
    """
    decoder_length = model.inputs[decoder_index].shape[1]
    if max_length is None:
        max_length = decoder_length
    if max_length is None:
        raise OptionError(
            "The decoder input has no fixed length; pass max_length (CLI --max-length) to bound generation."
        )
    if decoder_length is not None and max_length > decoder_length:
        raise OptionError(
            f"Argument `max_length` is {max_length} but the decoder input holds {decoder_length} steps; "
            f"a fixed-length decoder cannot generate more. Use max_length <= {decoder_length}."
        )
    if max_length < 1:
        raise OptionError(f"Argument `max_length` must be at least 1, received {max_length}.")
    width = int(decoder_length or max_length)
    encoder = [np.asarray(a) for i, a in enumerate(inputs) if i != decoder_index]
    batch = int(encoder[0].shape[0]) if encoder else 0
    forward = compiled_forward(model)
    parts = []
    calls = 0
    for start in range(0, max(batch, 1), batch_size):
        chunk = [a[start : start + batch_size] for a in encoder]
        part, used = _generate_chunk(
            forward,
            chunk,
            decoder_index=decoder_index,
            output_index=output_index,
            start_token=start_token,
            end_token=end_token,
            steps=int(max_length),
            width=width,
            fixed=decoder_length is not None,
            transform=probability_transform,
        )
        parts.append(part)
        calls += used
    tokens, probs, ents, ended = (np.concatenate([p[i] for p in parts]) for i in range(4))
    lengths = (tokens >= 0).sum(axis=1)
    return Generation(
        tokens=tokens,
        probabilities=probs,
        entropies=ents,
        lengths=lengths,
        ended=ended,
        start_token=int(start_token),
        end_token=None if end_token is None else int(end_token),
        model_calls=calls,
    )


def _generate_chunk(
    forward: Any,
    encoder: list[np.ndarray],
    *,
    decoder_index: int,
    output_index: int,
    start_token: int,
    end_token: int | None,
    steps: int,
    width: int,
    fixed: bool,
    transform: str,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], int]:
    import keras

    batch = int(encoder[0].shape[0])
    buffer = np.zeros((batch, width), dtype=np.int32)
    buffer[:, 0] = start_token
    tokens = np.full((batch, steps), -1, dtype=np.int64)
    probs = np.full((batch, steps), np.nan, dtype=np.float64)
    ents = np.full((batch, steps), np.nan, dtype=np.float64)
    done = np.zeros(batch, dtype=bool)
    calls = 0
    for t in range(steps):
        decoder = buffer if fixed else buffer[:, : t + 1]
        arrays = list(encoder)
        arrays.insert(decoder_index, decoder)
        result = forward(*arrays)
        calls += 1
        outputs = list(result) if isinstance(result, list | tuple) else [result]
        step = np.asarray(keras.ops.convert_to_numpy(outputs[output_index]))[:, t, :].astype(
            np.float64
        )
        step = _to_probabilities(step, transform)
        if t == 0:
            _check_token(start_token, step.shape[1], "start_token")
            if end_token is not None:
                _check_token(end_token, step.shape[1], "end_token")
        chosen = np.argmax(step, axis=1)
        live = ~done
        tokens[live, t] = chosen[live]
        probs[live, t] = step[live, chosen[live]]
        ents[live, t] = entropy(step[live])
        if end_token is not None:
            done |= chosen == end_token
        if t + 1 < width:
            buffer[:, t + 1] = np.where(done, 0, chosen)
        if done.all():
            break
    return (tokens, probs, ents, done), calls


def _to_probabilities(step: np.ndarray, transform: str) -> np.ndarray:
    if transform == "softmax":
        shifted = np.exp(step - step.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    if transform == "exp":
        return np.exp(step)
    return step


def _check_token(token: int, vocab_size: int, role: str) -> None:
    if not 0 <= token < vocab_size:
        raise TargetError(
            f"`{role}` is id {token} but the decoder's output vocabulary has {vocab_size} tokens "
            f"(ids 0..{vocab_size - 1})."
        )


def generation_tables(
    generation: Generation,
    *,
    vocab: Sequence[str] | None = None,
    sequence_ids: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-step table (``sample, step, token_id, token, probability, entropy``) and the per-sample
    summary (``text``, ``length``, ``log_probability``, ``stopped``)."""
    tokens = generation.tokens
    batch = tokens.shape[0]
    emitted = tokens >= 0
    sample, step = np.nonzero(emitted)
    ids = tokens[sample, step]
    names = None if vocab is None else np.asarray(list(vocab), dtype=object)
    if names is not None and ids.size and ids.max() >= len(names):
        raise TargetError(
            f"The decoder produced token id {int(ids.max())} but the vocabulary has {len(names)} tokens; "
            "pass the target vocabulary the model was trained with."
        )
    table = pd.DataFrame({"sample": sample})
    if sequence_ids is not None:
        table["sequence_id"] = np.asarray(sequence_ids)[sample]
    table["step"] = step
    table["token_id"] = ids
    if names is not None:
        table["token"] = names[ids]
    table["probability"] = generation.probabilities[sample, step]
    table["entropy"] = generation.entropies[sample, step]
    logs = np.where(emitted, np.log(np.where(emitted, generation.probabilities, 1.0)), 0.0)
    summary = pd.DataFrame({"sample": np.arange(batch)})
    if sequence_ids is not None:
        summary["sequence_id"] = np.asarray(sequence_ids)
    texts = []
    for row in range(batch):
        kept = tokens[row][emitted[row]]
        if generation.end_token is not None and generation.ended[row]:
            kept = kept[:-1]
        words = [str(names[i]) for i in kept] if names is not None else [str(i) for i in kept]
        texts.append(" ".join(words))
    summary["text"] = texts
    summary["length"] = generation.lengths
    summary["log_probability"] = logs.sum(axis=1)
    summary["stopped"] = np.where(generation.ended, "end_token", "max_length")
    return table, summary
