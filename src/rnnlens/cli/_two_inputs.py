"""``DATA --decoder-data FILE``: an encoder-decoder's inputs from two files, one per input.

DATA holds the encoder's input and ``--decoder-data`` the decoder's, each as a ``.npy`` array, an
``.npz`` (``x`` or an array named after the input) or a token ``.txt`` file read with ``--vocab``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnlens.cli._data import DataOptions

__all__ = ["DECODER_DATA_HELP", "read_encoder_decoder"]

DECODER_DATA_HELP = (
    "Encoder-decoder models: the decoder's input in its own file (.npy, .npz or a token .txt with "
    "--vocab); DATA then holds the encoder's. Without it DATA must hold both (an .npz with one array "
    "per input name), or only the encoder's (greedy generation)."
)


def read_encoder_decoder(
    data: Path, decoder_data: Path, model: Any, options: DataOptions, labels: Path | None = None
) -> Any:
    """One :class:`rnnlens.data.Dataset` with the encoder input from ``data`` and the decoder input
    from ``decoder_data``; metadata (vocabulary, labels, ground truth) comes from ``data``.

    Raises:
        OptionError: the model has no decoder input, or more than one other input.
        DataError: a file format that cannot hold one input (a long table), or the two files hold
            different numbers of samples.
    """
    from rnnlens.data import read_labels
    from rnnlens.errors import DataError, OptionError
    from rnnlens.model_inputs import decoder_input, describe_inputs

    decoder = decoder_input(model)
    others = [
        item for item in describe_inputs(model) if decoder is None or item.name != decoder.name
    ]
    if decoder is None or len(others) != 1:
        names = [item.name for item in describe_inputs(model)]
        raise OptionError(
            f"--decoder-data is the decoder's input of an encoder-decoder model, but this model's inputs "
            f"{names} have no single encoder and decoder. Leave --decoder-data out and give every input "
            "in DATA (an .npz with one array per input name)."
        )
    encoder = others[0]
    first = _read_one(data, encoder, options)
    second = _read_one(decoder_data, decoder, options)
    if first.n_samples != second.n_samples:
        raise DataError(
            f"DATA {data.name} holds {first.n_samples} encoder sample(s) but --decoder-data "
            f"{decoder_data.name} holds {second.n_samples}; give one decoder sequence per encoder "
            "sequence, in the same order."
        )
    changes: dict[str, Any] = {
        "inputs": {
            encoder.name: first.inputs[encoder.name],
            decoder.name: second.inputs[decoder.name],
        },
        "vocab": first.vocab if first.vocab is not None else second.vocab,
    }
    if labels is not None:
        changes["labels"] = read_labels(labels)
    return first.with_fields(**changes)


def _read_one(path: Path, item: Any, options: DataOptions) -> Any:
    """One file as a Dataset holding only ``item``'s input, under its name."""
    from rnnlens.data import read_npy, read_npz, read_token_file, read_vocab
    from rnnlens.errors import DataError

    suffix = path.suffix.lower()
    if suffix == ".npy":
        return read_npy(path, input_name=item.name)
    if suffix == ".npz":
        found = read_npz(path, input_names=[item.name])
        array = found.inputs.get(item.name, found.inputs.get("x"))
        if array is None or len(found.inputs) != 1:
            raise DataError(
                f"{path.name} should hold one array, `x` or {item.name!r}, for the input "
                f"{item.name!r}; it holds {sorted(found.inputs)}."
            )
        return found.with_fields(inputs={item.name: array})
    if suffix in (".txt", ".tok"):
        vocab = None if options.vocab is None else tuple(read_vocab(options.vocab))
        return read_token_file(
            path,
            vocab=vocab,
            length=item.timesteps,
            padding=options.padding or "pre",
            vocab_size=item.vocab_size,
            input_name=item.name,
        )
    raise DataError(
        f"Cannot read {path.name!r} as the input {item.name!r} alone: with --decoder-data each file "
        "holds one input, as .npy, .npz or a token .txt file."
    )
