"""Greedy generation for encoder-decoder models inside :func:`rnnlens.decode`: its options, when it applies,
and the run that turns encoder inputs into generated tokens.

The step-by-step loop itself lives in :mod:`rnnlens.decoding.seq2seq` (``generate_greedy``); this module
decides whether to generate, which input is the decoder's, and which options apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.decoding.interpretation import Interpretation
from rnnlens.decoding.options import check_positive_int, grouped_options, refuse_unused
from rnnlens.decoding.seq2seq import (
    END_TOKENS,
    START_TOKENS,
    generate_greedy,
    generation_tables,
    resolve_token,
)
from rnnlens.errors import OptionError, ShapeError, UnsupportedLayerError
from rnnlens.model_inputs import decoder_input, describe_inputs, input_names

__all__ = [
    "GenerationOptions",
    "generate_from_encoder",
    "refuse_generation_options",
    "refuse_teacher_forced",
    "resolve_generation_options",
    "wants_generation",
]


@dataclass(frozen=True)
class GenerationOptions:
    """Settings of greedy generation with an encoder-decoder model.

    Attributes:
        start_token: the token fed to the decoder first (id or text); default the vocabulary's usual
            marker (``<start>``, ``<s>``, ``<bos>``, ...).
        end_token: generation of a sample stops when it produces this token (id or text); default the
            vocabulary's usual marker (``<end>``, ``</s>``, ``<eos>``, ...), else none.
        max_length: steps generated at most; default the decoder's input length.

    Raises:
        OptionError: a token that is neither an int nor a str, a ``max_length`` that is not a positive
            integer.

    Example:
        >>> GenerationOptions(start_token="<start>", max_length=12)
        GenerationOptions(start_token='<start>', end_token=None, max_length=12)
    """

    start_token: int | str | None = None
    end_token: int | str | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        for role in ("start_token", "end_token"):
            token = getattr(self, role)
            if token is not None and (
                isinstance(token, bool) or not isinstance(token, int | str | np.integer)
            ):
                raise OptionError(
                    f"Argument `{role}` must be a token id (int) or its text (str), received {token!r}."
                )
        if self.max_length is not None:
            object.__setattr__(
                self, "max_length", check_positive_int(self.max_length, "max_length")
            )

    def given(self) -> dict[str, bool]:
        """Which options were set (for refusing them where they do not apply)."""
        return {
            "start_token": self.start_token is not None,
            "end_token": self.end_token is not None,
            "max_length": self.max_length is not None,
        }


def resolve_generation_options(
    generation: GenerationOptions | None,
    start_token: int | str | None,
    end_token: int | str | None,
    max_length: int | None,
) -> GenerationOptions:
    """``decode(generation=...)``, or the deprecated ``start_token`` / ``end_token`` / ``max_length``
    keywords it replaces (they keep working, with a :class:`DeprecationWarning`).

    Raises:
        OptionError: ``generation`` is not a :class:`GenerationOptions`, or it is given together with the
            old keywords.
    """
    old = {"start_token": start_token, "end_token": end_token, "max_length": max_length}
    used = [name for name, value in old.items() if value is not None]
    chosen = grouped_options(
        "generation",
        generation,
        GenerationOptions,
        used,
        "GenerationOptions(start_token=..., end_token=..., max_length=...)",
    )
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    return GenerationOptions(start_token=start_token, end_token=end_token, max_length=max_length)


def refuse_generation_options(
    out: Any, kind: str, generate: bool | None, options: GenerationOptions
) -> None:
    """Generation options for a model that cannot generate are mistakes: say so instead of ignoring them.

    Raises:
        OptionError: ``generate=True`` or a generation option for an output that is not an
            encoder-decoder's.
    """
    if out.pattern != "encoder-decoder":
        refuse_unused(
            {"generate": bool(generate), **options.given()},
            out.name,
            f"{kind} ({out.pattern})",
            "greedy generation with an encoder-decoder model",
        )


def refuse_teacher_forced(out: Any, options: GenerationOptions) -> None:
    """An encoder-decoder read with teacher forcing (decoder inputs or predictions given, or
    ``generate=False``) generates nothing, so generation options would be ignored: refuse them.

    Raises:
        OptionError: a generation option was set.
    """
    names = [name for name, used in options.given().items() if used]
    if names:
        listed = ", ".join(f"`{name}`" for name in names)
        raise OptionError(
            f"Argument(s) {listed} apply to greedy generation, but output {out.name!r} is read with "
            "teacher forcing (decoder inputs or predictions were given, or generate=False), which "
            "generates nothing. Pass only the encoder inputs (or generate=True) to generate, or "
            "remove them."
        )


def wants_generation(
    out: Any, kind: str, model: Any, inputs: Any, generate: bool | None, is_dataset: bool
) -> bool:
    """Generate when asked, or when an encoder-decoder model is given its encoder inputs only."""
    if generate is False or kind != "categorical" or out.pattern != "encoder-decoder":
        return False
    return bool(generate) or _missing_decoder(model, inputs, is_dataset)


def generate_from_encoder(
    model: Any,
    out: Any,
    inputs: Any,
    data: Any,
    transform: str,
    names: Sequence[str] | None,
    options: GenerationOptions,
    batch_size: int,
    meta: dict[str, Any],
) -> Interpretation:
    """Greedy generation on the encoder inputs in ``inputs``; one row per sample and generated step.

    Args:
        names: the output's vocabulary (token text per id), or None.
        data: the :class:`rnnlens.data.Dataset` ``inputs`` is, or None.

    Raises:
        UnsupportedLayerError: the output is not causal, or the model has no separate encoder and
            decoder inputs.
        ShapeError: the output is not per step, or encoder inputs are missing or mis-shaped.
        OptionError: no start token is known (neither given nor in the vocabulary).
        TargetError: a start / end token text that is not in the vocabulary, or an id outside it.
    """
    if out.causal is False:
        raise UnsupportedLayerError(
            f"Output {out.name!r} is not causal (a step sees later decoder inputs), so greedy generation "
            "would read tokens it has not produced yet. Decode teacher-forced predictions instead."
        )
    if len(out.shape) != 3:
        raise ShapeError(
            f"Greedy generation needs a per-step output (batch, steps, vocab); {out.name!r} has shape "
            f"{out.shape}."
        )
    decoder = _decoder_index(model, inputs, data is not None)
    if decoder is None:
        raise UnsupportedLayerError(
            "Greedy generation needs a model with an encoder input and a decoder input."
        )
    arrays = _encoder_arrays(model, inputs, decoder, data is not None)
    start = resolve_token(options.start_token, names, START_TOKENS, "start_token")
    if start is None:
        raise OptionError(
            "Greedy generation needs the decoder's start token: pass start_token (id or text; CLI "
            f"--start-token), or a vocabulary holding one of {list(START_TOKENS[:6])}."
        )
    end = resolve_token(options.end_token, names, END_TOKENS, "end_token")
    generation = generate_greedy(
        model,
        arrays,
        decoder_index=decoder,
        output_index=out.index,
        start_token=start,
        end_token=end,
        max_length=options.max_length,
        probability_transform=transform,
        batch_size=batch_size,
    )
    ids = getattr(data, "sequence_ids", None)
    table, summary = generation_tables(generation, vocab=names, sequence_ids=ids)
    meta.update(
        decoder_input=input_names(model)[decoder],
        start_token=start,
        end_token=end,
        max_length=int(generation.tokens.shape[1]),
        model_calls=generation.model_calls,
        notes=[
            "Greedy generation: the decoder was fed its own previous token (no teacher forcing); "
            "probability is that of the chosen (argmax) token at each step."
        ],
    )
    return Interpretation(
        kind="generation",
        output=out.name,
        table=table,
        summary=summary,
        meta=meta,
        predictions=generation.tokens,
    )


def _given_names(inputs: Any, is_dataset: bool) -> Any:
    if is_dataset:
        return inputs.inputs
    return inputs if isinstance(inputs, Mapping) else None


def _decoder_index(model: Any, inputs: Any, is_dataset: bool) -> int | None:
    """The decoder's token input: the one a Dataset (or dict) lacks, else the input whose role is
    ``"decoder"`` (see :mod:`rnnlens.model_inputs`), else the model's last input."""
    names = input_names(model)
    if len(names) < 2:
        return None
    given = _given_names(inputs, is_dataset)
    if given is not None:
        missing = [i for i, n in enumerate(names) if n not in given]
        if len(missing) == 1:
            return missing[0]
    decoder = decoder_input(model)
    return decoder.index if decoder is not None else len(names) - 1


def _missing_decoder(model: Any, inputs: Any, is_dataset: bool) -> bool:
    names = input_names(model)
    if is_dataset:
        return not all(n in inputs.inputs for n in names) and len(inputs.inputs) == len(names) - 1
    if isinstance(inputs, Mapping):
        return sum(n in inputs for n in names) == len(names) - 1
    if isinstance(inputs, list | tuple):
        return len(inputs) == len(names) - 1
    return len(names) == 2 and inputs is not None


def _encoder_arrays(model: Any, inputs: Any, decoder: int, is_dataset: bool) -> list[np.ndarray]:
    """All model inputs but the decoder's, validated; a placeholder sits at the decoder's position."""
    from rnnlens.validation import check_array

    names = input_names(model)
    if is_dataset:
        given = dict(inputs.inputs)
    elif isinstance(inputs, Mapping):
        given = dict(inputs)
    elif isinstance(inputs, list | tuple):
        others = [n for i, n in enumerate(names) if i != decoder]
        values = list(inputs)[: len(others)] if len(inputs) == len(names) else list(inputs)
        if len(values) != len(others):
            raise ShapeError(
                f"Greedy generation takes the encoder input(s) {others}; received {len(inputs)} array(s)."
            )
        given = dict(zip(others, values, strict=True))
    else:
        given = {names[0 if decoder != 0 else 1]: inputs}
    described = describe_inputs(model)
    arrays: list[np.ndarray] = []
    for i, tensor in enumerate(model.inputs):
        name = names[i]
        if i == decoder:
            arrays.append(np.zeros((0,), np.int32))
            continue
        if name not in given:
            raise ShapeError(
                f"Greedy generation needs the encoder input {name!r}; it was not given."
            )
        arrays.append(
            check_array(
                given[name],
                tensor.shape,
                name=name,
                integer=described[i].tokens,
                vocab_size=described[i].vocab_size,
            )
        )
    return arrays
