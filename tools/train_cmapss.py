#!/usr/bin/env python
"""Rebuild rnnlens's built-in C-MAPSS FD001 data and train its two demo models, reproducibly.

    python tools/train_cmapss.py                      # train both models from the packaged data
    python tools/train_cmapss.py --pack-from DIR      # first repack DIR/{train,test,RUL}_FD001.txt

Writes, atomically, into ``src/rnnlens/datasets/files/``: ``cmapss_fd001.npz`` + ``CMAPSS_FD001_SOURCE.md``
(with ``--pack-from``), ``cmapss_rul_lstm.keras``, ``cmapss_failure_lstm.keras`` and
``cmapss_fd001_models.json`` (scaler, window, caps, seeds, test metrics). Prints the test RMSE on the 100
official FD001 test engines and the PHM08 score.

Determinism: TensorFlow backend on CPU, fixed seeds, ``enable_op_determinism``, engine-wise validation split
from a seeded generator, early stopping with the best weights restored. Two runs give identical weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_DETERMINISTIC_OPS"] = "1"

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from rnnlens._atomic import atomic_path, write_text_atomic  # noqa: E402
from rnnlens.datasets import cmapss  # noqa: E402

SEED = 7
WINDOW = 30
RUL_CAP = 125
FAILURE_HORIZON = 30
VALIDATION_ENGINES = 15


# --- packing ---------------------------------------------------------------------------------------------


def _parse_scaled(token: str, decimals: int, where: str) -> int:
    """A decimal string as an exact integer times 10**decimals (no float rounding)."""
    sign = -1 if token.startswith("-") else 1
    whole, _, frac = token.lstrip("+-").partition(".")
    if len(frac) > decimals or not (whole + frac).isdigit():
        raise ValueError(f"{where}: {token!r} does not have at most {decimals} decimals")
    return sign * int(whole + frac.ljust(decimals, "0"))


def read_text_table(path: Path) -> np.ndarray:
    """NASA's space-separated file as int64 ``(rows, 26)`` scaled by :data:`cmapss.DECIMALS`."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != len(cmapss.COLUMNS):
            raise ValueError(f"{path}:{number}: expected {len(cmapss.COLUMNS)} columns")
        rows.append(
            [
                _parse_scaled(tok, dec, f"{path}:{number}")
                for tok, dec in zip(tokens, cmapss.DECIMALS, strict=True)
            ]
        )
    table = np.asarray(rows, dtype=np.int64)
    # The loader relies on each engine's cycles being contiguous and 1, 2, 3, ...
    units, cycles = table[:, 0], table[:, 1]
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    if len(np.unique(units)) != len(starts):
        raise ValueError(f"{path}: an engine's rows are not contiguous")
    for start, end in zip(starts, np.r_[starts[1:], len(units)], strict=True):
        if not np.array_equal(cycles[start:end], np.arange(1, end - start + 1)):
            raise ValueError(f"{path}: engine {units[start]} cycles are not 1..n")
    return table


def pack(source: Path, out_dir: Path = cmapss.FILES) -> None:
    """Write ``cmapss_fd001.npz`` and ``CMAPSS_FD001_SOURCE.md`` from NASA's text files in ``source``."""
    data_file = out_dir / cmapss.DATA_FILE.name
    source_file = out_dir / "CMAPSS_FD001_SOURCE.md"
    train = read_text_table(source / "train_FD001.txt")
    test = read_text_table(source / "test_FD001.txt")
    rul = np.asarray(
        [int(v) for v in (source / "RUL_FD001.txt").read_text().split()], dtype=np.int32
    )
    if len(rul) != len(np.unique(test[:, 0])):
        raise ValueError("RUL_FD001.txt must hold one value per test engine")
    for table in (train, test):
        if np.abs(table).max() >= 2**31:
            raise ValueError("a scaled value does not fit int32")
    with atomic_path(data_file) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(
            handle,
            # column-major: neighbouring values of one sensor compress far better (~0.8 MB)
            train=np.ascontiguousarray(train.T, dtype=np.int32),
            test=np.ascontiguousarray(test.T, dtype=np.int32),
            rul_test=rul,
            decimals=np.asarray(cmapss.DECIMALS, dtype=np.int8),
            columns=np.asarray(cmapss.COLUMNS),
        )
    digests = "\n".join(
        f"- `{name}`: sha256 `{hashlib.sha256((source / name).read_bytes()).hexdigest()}`"
        for name in ("train_FD001.txt", "test_FD001.txt", "RUL_FD001.txt")
    )
    source_md = (source / "SOURCE.md").read_text(encoding="utf-8").strip()
    nasa_readme = (source / "readme.txt").read_text(encoding="utf-8", errors="replace").strip()
    write_text_atomic(
        source_file,
        f"""{source_md}

## How rnnlens packs it

`cmapss_fd001.npz` holds the three text files losslessly: arrays `train` and `test` are int32 `(26, rows)`
(column-major), each column multiplied by 10**`decimals[column]` (the fixed number of decimals NASA prints in that column),
so `train.T / 10**decimals` gives back exactly the printed numbers; `rul_test` is `RUL_FD001.txt`; `columns`
names the 26 columns (unit, cycle, setting1..3, s1..s21). Built by `python tools/train_cmapss.py
--pack-from DIR` from files with these digests:

{digests}

## NASA's readme.txt

```
{nasa_readme}
```
""",
    )
    for name in (data_file, source_file):
        name.chmod(0o644)  # package data must be readable by everyone once installed
    cmapss._raw.cache_clear()
    size = data_file.stat().st_size
    print(f"packed {len(train)} train + {len(test)} test rows -> {data_file} ({size} bytes)")


# --- training --------------------------------------------------------------------------------------------


def build_rul_model(units: int) -> keras.Model:
    """Many-to-one: LSTM over the window -> RUL in cycles."""
    model = keras.Sequential(
        [
            keras.Input(shape=(WINDOW, len(cmapss.INFORMATIVE_SENSORS)), name="sensors"),
            keras.layers.LSTM(units, name="lstm"),
            keras.layers.Dense(16, activation="relu", name="dense"),
            keras.layers.Dense(1, name="rul"),
        ],
        name="cmapss_rul_lstm",
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def build_failure_model(units: int) -> keras.Model:
    """Many-to-many: per cycle, P(the engine fails within FAILURE_HORIZON cycles)."""
    model = keras.Sequential(
        [
            keras.Input(shape=(WINDOW, len(cmapss.INFORMATIVE_SENSORS)), name="sensors"),
            keras.layers.LSTM(units, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, activation="sigmoid", name="failure_within_30"),
        ],
        name="cmapss_failure_lstm",
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def fit(model, x, y, val, epochs: int, patience: int, seed: int) -> dict:
    keras.utils.set_random_seed(seed)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    history = model.fit(
        x, y, validation_data=val, epochs=epochs, batch_size=128, shuffle=True, verbose=0,
        callbacks=[stop],
    )  # fmt: skip
    losses = history.history["val_loss"]
    return {"epochs_run": len(losses), "best_epoch": int(np.argmin(losses)) + 1,
            "best_val_loss": float(np.min(losses))}  # fmt: skip


def phm08_score(pred: np.ndarray, truth: np.ndarray) -> float:
    """PHM08 challenge score: late predictions cost more (exp(d/10) - 1) than early ones (exp(-d/13) - 1)."""
    d = pred - truth
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))


def save_model(model, path: Path, loss: str) -> None:
    """Save weights + architecture + loss, without optimizer state (smaller, reproducible)."""
    clean = keras.models.clone_model(model)
    clean.set_weights(model.get_weights())
    clean.compile(optimizer="adam", loss=loss)
    with atomic_path(path) as tmp:
        clean.save(tmp)


def weights_digest(model) -> str:
    digest = hashlib.sha256()
    for w in model.get_weights():
        digest.update(np.ascontiguousarray(w).tobytes())
    return digest.hexdigest()


def train(
    rul_units: int, failure_units: int, epochs: int, patience: int, seed: int, write: bool
) -> dict:
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    data = cmapss.load_cmapss_fd001(
        window=WINDOW, rul_cap=RUL_CAP, normalize=True, failure_horizon=FAILURE_HORIZON
    )
    units = np.unique(data.unit_train)
    val_units = np.random.default_rng(seed).choice(units, VALIDATION_ENGINES, replace=False)
    is_val = np.isin(data.unit_train, val_units)
    tr, va = ~is_val, is_val

    t0 = time.perf_counter()
    rul_model = build_rul_model(rul_units)
    rul_fit = fit(
        rul_model, data.x_train[tr], data.y_train[tr], (data.x_train[va], data.y_train[va]),
        epochs, patience, seed,
    )  # fmt: skip
    pred = rul_model.predict(data.x_test, verbose=0, batch_size=100)[:, 0].astype(np.float64)
    t1 = time.perf_counter()
    rul_metrics = {
        "test_rmse": float(np.sqrt(np.mean((pred - data.y_test_raw) ** 2))),
        "test_rmse_capped_truth": float(np.sqrt(np.mean((pred - data.y_test) ** 2))),
        "test_mae": float(np.mean(np.abs(pred - data.y_test_raw))),
        "phm08_score": phm08_score(pred, data.y_test_raw.astype(np.float64)),
        "train_seconds": round(t1 - t0, 1),
        **rul_fit,
    }
    print(
        f"RUL LSTM({rul_units}): test RMSE {rul_metrics['test_rmse']:.3f} (raw truth), "
        f"{rul_metrics['test_rmse_capped_truth']:.3f} (truth capped at {RUL_CAP}), "
        f"PHM08 score {rul_metrics['phm08_score']:.1f}, {rul_fit['epochs_run']} epochs "
        f"(best {rul_fit['best_epoch']}), {t1 - t0:.0f} s"
    )

    keras.utils.set_random_seed(seed)  # each model's initial weights depend on the seed alone
    failure_model = build_failure_model(failure_units)
    y_seq = data.failure_train[..., None]
    failure_fit = fit(
        failure_model,
        data.x_train[tr],
        y_seq[tr],
        (data.x_train[va], y_seq[va]),
        epochs,
        patience,
        seed,
    )
    prob = failure_model.predict(data.x_test, verbose=0, batch_size=100)[..., 0]
    t2 = time.perf_counter()
    real = np.arange(WINDOW)[None, :] >= data.padding_test[:, None]  # ignore padded rows
    hits = (prob >= 0.5) == (data.failure_test >= 0.5)
    failure_metrics = {
        "test_accuracy_last_cycle": float(hits[:, -1].mean()),
        "test_accuracy_per_cycle": float(hits[real].mean()),
        "test_brier_per_cycle": float(np.mean((prob - data.failure_test)[real] ** 2)),
        "test_positive_rate_last_cycle": float(data.failure_test[:, -1].mean()),
        "train_seconds": round(t2 - t1, 1),
        **failure_fit,
    }
    print(
        f"Failure LSTM({failure_units}): test accuracy {failure_metrics['test_accuracy_last_cycle']:.3f} "
        f"at the last cycle ({failure_metrics['test_positive_rate_last_cycle']:.2f} positives), "
        f"{failure_metrics['test_accuracy_per_cycle']:.3f} per cycle, Brier "
        f"{failure_metrics['test_brier_per_cycle']:.4f}, {failure_fit['epochs_run']} epochs, "
        f"{t2 - t1:.0f} s"
    )
    digests = {
        "rul_model": weights_digest(rul_model),
        "failure_model": weights_digest(failure_model),
    }
    print(
        f"weights sha256: rul {digests['rul_model'][:16]}, failure {digests['failure_model'][:16]}"
    )

    meta = {
        "dataset": "NASA C-MAPSS FD001 (see CMAPSS_FD001_SOURCE.md)",
        "window": WINDOW,
        "rul_cap": RUL_CAP,
        "failure_horizon": FAILURE_HORIZON,
        "scaler": data.scaler.to_dict(),
        "sensors": {
            name: dict(
                zip(("symbol", "description", "unit"), cmapss.SENSOR_INFO[name], strict=True)
            )
            for name in data.feature_names
        },
        "inputs": "(batch, window, 14) standardised sensors, oldest cycle first",
        "models": {
            "rul_model": {
                "file": cmapss.RUL_MODEL_FILE.name,
                "task": "many-to-one regression: RUL (cycles) after the window's last cycle, "
                f"trained on RUL capped at {RUL_CAP}",
                "output": "(batch, 1) cycles",
            },
            "failure_model": {
                "file": cmapss.FAILURE_MODEL_FILE.name,
                "task": f"many-to-many: per cycle, P(RUL <= {FAILURE_HORIZON} cycles)",
                "output": "(batch, window, 1) probability",
            },
        },
        "metrics": {"rul_model": rul_metrics, "failure_model": failure_metrics},
        "training": {
            "seed": seed,
            "validation_engines": sorted(int(u) for u in val_units),
            "max_epochs": epochs,
            "patience": patience,
            "batch_size": 128,
            "optimizer": "Adam(1e-3)",
            "backend": keras.backend.backend(),
            "keras": keras.__version__,
            "weights_sha256": digests,
        },
    }
    if write:
        save_model(rul_model, cmapss.RUL_MODEL_FILE, "mse")
        save_model(failure_model, cmapss.FAILURE_MODEL_FILE, "binary_crossentropy")
        write_text_atomic(
            cmapss.METADATA_FILE, json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
        )
        for name in (cmapss.RUL_MODEL_FILE, cmapss.FAILURE_MODEL_FILE, cmapss.METADATA_FILE):
            name.chmod(0o644)  # package data must be readable by everyone once installed
        print(f"wrote {cmapss.RUL_MODEL_FILE.name}, {cmapss.FAILURE_MODEL_FILE.name}, "
              f"{cmapss.METADATA_FILE.name} in {cmapss.FILES}")  # fmt: skip
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pack-from", type=Path, help="directory with NASA's *_FD001.txt files")
    parser.add_argument("--rul-units", type=int, default=64)
    parser.add_argument("--failure-units", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=60, help="maximum epochs per model")
    parser.add_argument("--patience", type=int, default=8, help="early-stopping patience (epochs)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed for weights, shuffling, split")
    parser.add_argument("--dry-run", action="store_true", help="train and report, write nothing")
    args = parser.parse_args(argv)
    if args.pack_from is not None:
        pack(args.pack_from)
    train(
        args.rul_units, args.failure_units, args.epochs, args.patience, args.seed, not args.dry_run
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
