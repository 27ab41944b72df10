"""NASA C-MAPSS FD001 turbofan run-to-failure data and the two demo models trained on it.

The data ships inside rnnlens as one compressed ``.npz`` (``files/cmapss_fd001.npz``, 0.8 MB): every column of
NASA's ``train_FD001.txt`` / ``test_FD001.txt`` stored column-major as integers scaled by the column's fixed
number of decimals,
so decoding gives back exactly the numbers in the text files, plus the official test RUL truth
(``RUL_FD001.txt``). Source and citation: ``files/CMAPSS_FD001_SOURCE.md``.

:func:`load_cmapss_fd001` cuts the engines into windows for a recurrent model; :func:`load_demo_models` loads
the two shipped Keras models (trained by ``tools/train_cmapss.py``) with Keras safe mode on.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import DataError, ModelLoadError, ShapeError

if TYPE_CHECKING:
    import keras
    import pandas as pd

__all__ = [
    "COLUMNS",
    "INFORMATIVE_SENSORS",
    "SENSOR_INFO",
    "CmapssDataset",
    "CmapssModels",
    "CmapssScaler",
    "demo_model_paths",
    "load_cmapss_fd001",
    "load_cmapss_fd001_frame",
    "load_demo_models",
]

FILES = Path(__file__).resolve().with_name("files")
DATA_FILE = FILES / "cmapss_fd001.npz"
RUL_MODEL_FILE = FILES / "cmapss_rul_lstm.keras"
FAILURE_MODEL_FILE = FILES / "cmapss_failure_lstm.keras"
METADATA_FILE = FILES / "cmapss_fd001_models.json"

#: Column names of NASA's text files, in order.
COLUMNS: tuple[str, ...] = (
    "unit",
    "cycle",
    "setting1",
    "setting2",
    "setting3",
    *(f"s{i}" for i in range(1, 22)),
)
#: Digits after the decimal point of each column in NASA's files (fixed per column).
DECIMALS: tuple[int, ...] = (0, 0, 4, 4, 1, *(2,) * 14, 4, 2, 0, 0, 2, 2, 4)

#: The 14 sensors that vary in FD001; the other seven are constant (or nearly) and usually dropped.
INFORMATIVE_SENSORS: tuple[str, ...] = (
    "s2", "s3", "s4", "s7", "s8", "s9", "s11", "s12", "s13", "s14", "s15", "s17", "s20", "s21",
)  # fmt: skip

#: Sensor -> (symbol, description, unit), after Saxena et al. (PHM08), Table 2.
SENSOR_INFO: dict[str, tuple[str, str, str]] = {
    "s1": ("T2", "Total temperature at fan inlet", "°R"),
    "s2": ("T24", "Total temperature at LPC outlet", "°R"),
    "s3": ("T30", "Total temperature at HPC outlet", "°R"),
    "s4": ("T50", "Total temperature at LPT outlet", "°R"),
    "s5": ("P2", "Pressure at fan inlet", "psia"),
    "s6": ("P15", "Total pressure in bypass-duct", "psia"),
    "s7": ("P30", "Total pressure at HPC outlet", "psia"),
    "s8": ("Nf", "Physical fan speed", "rpm"),
    "s9": ("Nc", "Physical core speed", "rpm"),
    "s10": ("epr", "Engine pressure ratio (P50/P2)", "-"),
    "s11": ("Ps30", "Static pressure at HPC outlet", "psia"),
    "s12": ("phi", "Ratio of fuel flow to Ps30", "pps/psi"),
    "s13": ("NRf", "Corrected fan speed", "rpm"),
    "s14": ("NRc", "Corrected core speed", "rpm"),
    "s15": ("BPR", "Bypass ratio", "-"),
    "s16": ("farB", "Burner fuel-air ratio", "-"),
    "s17": ("htBleed", "Bleed enthalpy", "-"),
    "s18": ("Nf_dmd", "Demanded fan speed", "rpm"),
    "s19": ("PCNfR_dmd", "Demanded corrected fan speed", "rpm"),
    "s20": ("W31", "HPT coolant bleed", "lbm/s"),
    "s21": ("W32", "LPT coolant bleed", "lbm/s"),
}


@dataclass(frozen=True, eq=False)
class CmapssScaler:
    """Per-feature standardisation fitted on every row of the FD001 training split.

    ``mean`` and ``std`` are float64 ``(features,)``; ``std`` is the population standard deviation
    (``ddof=0``). ``transform`` maps sensor units to model inputs, ``inverse_transform`` maps back.

    Example:
        >>> scaler = load_cmapss_fd001().scaler
        >>> scaler.inverse_transform(scaler.transform([[642.0] * 14]))[0, 0].round(6)
        np.float64(642.0)
    """

    feature_names: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray

    def transform(self, values: Any) -> np.ndarray:
        """``(values - mean) / std`` as float32; ``values`` has shape ``(..., features)``."""
        array = self._check(values, "values")
        return ((array - self.mean) / self.std).astype(np.float32)

    def inverse_transform(self, scaled: Any) -> np.ndarray:
        """``scaled * std + mean`` as float64 (sensor units); ``scaled`` has shape ``(..., features)``."""
        array = self._check(scaled, "scaled")
        return array * self.std + self.mean

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: feature names with their mean and std."""
        return {
            "feature_names": list(self.feature_names),
            "mean": [float(v) for v in self.mean],
            "std": [float(v) for v in self.std],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CmapssScaler:
        """Inverse of :meth:`to_dict`."""
        return cls(
            tuple(data["feature_names"]),
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["std"], dtype=np.float64),
        )

    def _check(self, values: Any, name: str) -> np.ndarray:
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"Argument `{name}` must be numeric: {exc}.") from exc
        n = len(self.feature_names)
        if array.ndim == 0 or array.shape[-1] != n:
            raise ShapeError(
                f"Argument `{name}` must have {n} features on its last axis "
                f"({', '.join(self.feature_names)}), received shape {array.shape}."
            )
        return array


@dataclass(frozen=True, eq=False)
class CmapssDataset:
    """FD001 cut into windows for a recurrent model.

    Train: every window of ``window`` consecutive cycles of every training engine (stride 1). Test: the
    LAST ``window`` cycles of each of the 100 test engines, the point where NASA states the true RUL. Test
    engines shorter than ``window`` are padded at the front by repeating their first row (features and
    cycle number); ``padding_test`` says how many rows were added.

    Attributes:
        x_train: ``(n_train, window, features)`` float32, standardised when ``normalized``.
        y_train: ``(n_train,)`` float32, RUL at each window's last cycle, capped at ``rul_cap``.
        y_train_raw: ``(n_train,)`` int32, the same RUL uncapped (``last cycle of engine - cycle``).
        unit_train: ``(n_train,)`` int32 engine ids.
        cycle_train: ``(n_train, window)`` int32 cycle numbers.
        failure_train: ``(n_train, window)`` float32, 1 where that cycle's RUL <= ``failure_horizon``.
        x_test: ``(100, window, features)`` float32.
        y_test: ``(100,)`` float32 official RUL truth, capped at ``rul_cap``.
        y_test_raw: ``(100,)`` int32 official RUL truth (``RUL_FD001.txt``).
        unit_test, cycle_test, failure_test: as for train; the per-cycle RUL of a test engine is
            ``truth + last cycle - cycle``.
        padding_test: ``(100,)`` int32 rows of front padding.
        feature_names: the sensors on the features axis.
        scaler: the train-split mean / std (used for ``x_*`` when ``normalized``).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    y_train_raw: np.ndarray
    unit_train: np.ndarray
    cycle_train: np.ndarray
    failure_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    y_test_raw: np.ndarray
    unit_test: np.ndarray
    cycle_test: np.ndarray
    failure_test: np.ndarray
    padding_test: np.ndarray
    feature_names: tuple[str, ...]
    scaler: CmapssScaler
    window: int
    rul_cap: int | None
    failure_horizon: int
    normalized: bool
    axes: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "x": ("sample", "time", "feature"),
            "y": ("sample",),
            "cycle": ("sample", "time"),
            "failure": ("sample", "time"),
        }
    )


@dataclass(frozen=True, eq=False)
class CmapssModels:
    """The two shipped FD001 models and what they need.

    ``rul_model``: ``(batch, window, features)`` -> ``(batch, 1)`` RUL in cycles (trained on RUL capped at
    ``rul_cap``). ``failure_model``: ``(batch, window, features)`` -> ``(batch, window, 1)``, per cycle the
    probability that the engine fails within ``failure_horizon`` cycles. Both take inputs standardised by
    ``scaler`` (as :func:`load_cmapss_fd001` returns them). ``metrics`` are the test figures recorded at
    training time.
    """

    rul_model: keras.Model
    failure_model: keras.Model
    rul_model_path: Path
    failure_model_path: Path
    feature_names: tuple[str, ...]
    scaler: CmapssScaler
    window: int
    rul_cap: int
    failure_horizon: int
    metrics: dict[str, Any]


def load_cmapss_fd001(
    window: int = 30,
    rul_cap: int | None = 125,
    normalize: bool = True,
    *,
    failure_horizon: int = 30,
) -> CmapssDataset:
    """Load NASA C-MAPSS FD001 (shipped with rnnlens) as windows of the 14 informative sensors.

    Args:
        window: cycles per window, 1..128 (128 is the shortest training engine).
        rul_cap: cap for ``y_train`` / ``y_test`` (piecewise-linear RUL, 125 is usual for FD001); ``None``
            keeps the raw RUL. The raw values are always in ``y_train_raw`` / ``y_test_raw``.
        normalize: standardise features with the train-split mean / std (``scaler``); ``False`` returns
            sensor units.
        failure_horizon: per-cycle label ``failure_*`` is 1 where the cycle's RUL <= this many cycles.

    Returns:
        A :class:`CmapssDataset`.

    Raises:
        DataError: an argument is out of range, or the packaged data file is missing or damaged.

    Example:
        >>> data = load_cmapss_fd001(window=30)
        >>> data.x_train.shape, data.x_test.shape
        ((17731, 30, 14), (100, 30, 14))
    """
    window = _check_int("window", window, 1, _MIN_TRAIN_LENGTH)
    if rul_cap is not None:
        rul_cap = _check_int("rul_cap", rul_cap, 1, None)
    failure_horizon = _check_int("failure_horizon", failure_horizon, 0, None)
    if not isinstance(normalize, bool | np.bool_):
        raise DataError(f"Argument `normalize` must be True or False, received {normalize!r}.")

    raw = _raw()
    columns = [COLUMNS.index(name) for name in INFORMATIVE_SENSORS]
    train, test = raw["train"], raw["test"]
    scaler = CmapssScaler(
        INFORMATIVE_SENSORS, train[:, columns].mean(axis=0), train[:, columns].std(axis=0)
    )

    def features(table: np.ndarray) -> np.ndarray:
        values = table[:, columns]
        return scaler.transform(values) if normalize else values.astype(np.float32)

    x_tr, cyc_tr, unit_tr = _train_windows(train, features(train), window)
    x_te, cyc_te, unit_te, pad_te = _test_windows(test, features(test), window)

    last_train_cycle = {int(u): int(c) for u, c in _last_cycles(train)}
    rul_tr_seq = np.array([last_train_cycle[int(u)] for u in unit_tr])[:, None] - cyc_tr
    truth = raw["rul_test"].astype(np.int64)
    last_test_cycle = cyc_te[:, -1]
    rul_te_seq = truth[:, None] + last_test_cycle[:, None] - cyc_te

    def capped(rul: np.ndarray) -> np.ndarray:
        return (np.minimum(rul, rul_cap) if rul_cap is not None else rul).astype(np.float32)

    return CmapssDataset(
        x_train=x_tr,
        y_train=capped(rul_tr_seq[:, -1]),
        y_train_raw=rul_tr_seq[:, -1].astype(np.int32),
        unit_train=unit_tr,
        cycle_train=cyc_tr,
        failure_train=(rul_tr_seq <= failure_horizon).astype(np.float32),
        x_test=x_te,
        y_test=capped(truth),
        y_test_raw=truth.astype(np.int32),
        unit_test=unit_te,
        cycle_test=cyc_te,
        failure_test=(rul_te_seq <= failure_horizon).astype(np.float32),
        padding_test=pad_te,
        feature_names=INFORMATIVE_SENSORS,
        scaler=scaler,
        window=window,
        rul_cap=rul_cap,
        failure_horizon=failure_horizon,
        normalized=bool(normalize),
    )


def load_cmapss_fd001_frame(split: str = "train") -> pd.DataFrame:
    """One FD001 split as a table in sensor units: NASA's 26 columns plus ``rul`` (uncapped).

    Args:
        split: ``"train"`` or ``"test"``. Test RUL uses the official truth at each engine's last cycle.

    Returns:
        A pandas DataFrame, one row per engine cycle; ``unit`` and ``cycle`` are integers.

    Raises:
        DataError: ``split`` is not ``"train"`` or ``"test"``.

    Example:
        >>> load_cmapss_fd001_frame("test").groupby("unit")["rul"].min().head(3).tolist()
        [112, 98, 69]
    """
    import pandas as pd

    if split not in ("train", "test"):
        raise DataError(f"Argument `split` must be 'train' or 'test', received {split!r}.")
    raw = _raw()
    table = raw[split]
    frame = pd.DataFrame(table, columns=list(COLUMNS))
    frame["unit"] = frame["unit"].astype("int32")
    frame["cycle"] = frame["cycle"].astype("int32")
    rul = np.empty(len(table), dtype=np.int64)
    for i, (_, rows) in enumerate(_engine_slices(table)):
        cycles = table[rows, 1].astype(np.int64)
        truth = int(raw["rul_test"][i]) if split == "test" else 0
        rul[rows] = cycles.max() - cycles + truth
    frame["rul"] = rul
    return frame


def demo_model_paths() -> dict[str, Path]:
    """Paths of the shipped files: ``rul_model``, ``failure_model`` (``.keras``) and ``metadata`` (JSON)."""
    return {
        "rul_model": RUL_MODEL_FILE,
        "failure_model": FAILURE_MODEL_FILE,
        "metadata": METADATA_FILE,
    }


def load_demo_models() -> CmapssModels:
    """Load the two FD001 models shipped with rnnlens (Keras safe mode on) and their metadata.

    Returns:
        A :class:`CmapssModels`: the RUL regressor (many-to-one) and the per-cycle failure-within-horizon
        classifier (many-to-many), with the scaler and window they expect.

    Raises:
        ModelLoadError: a packaged file is missing or unreadable (reinstall rnnlens, or rebuild them with
            ``python tools/train_cmapss.py``).

    Example:
        >>> models = load_demo_models()
        >>> data = load_cmapss_fd001(window=models.window, rul_cap=models.rul_cap)
        >>> models.rul_model.predict(data.x_test, verbose=0).shape
        (100, 1)
    """
    from rnnlens.loading import load_model

    meta = _metadata()
    return CmapssModels(
        rul_model=load_model(RUL_MODEL_FILE, safe_mode=True),
        failure_model=load_model(FAILURE_MODEL_FILE, safe_mode=True),
        rul_model_path=RUL_MODEL_FILE,
        failure_model_path=FAILURE_MODEL_FILE,
        feature_names=tuple(meta["scaler"]["feature_names"]),
        scaler=CmapssScaler.from_dict(meta["scaler"]),
        window=int(meta["window"]),
        rul_cap=int(meta["rul_cap"]),
        failure_horizon=int(meta["failure_horizon"]),
        metrics=dict(meta["metrics"]),
    )


# --- internals -------------------------------------------------------------------------------------------

_MIN_TRAIN_LENGTH = 128  # shortest FD001 training engine, in cycles


def _check_int(name: str, value: Any, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DataError(f"Argument `{name}` must be an integer, received {value!r}.")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise DataError(f"Argument `{name}` must be {bound}, received {value}.")
    return int(value)


@functools.lru_cache(maxsize=1)
def _raw() -> dict[str, np.ndarray]:
    """The packaged tables decoded to float64 (exactly NASA's decimal values), read-only and cached."""
    try:
        with np.load(DATA_FILE, allow_pickle=False) as archive:
            scaled = {key: archive[key] for key in ("train", "test", "rul_test", "decimals")}
    except FileNotFoundError:
        raise DataError(
            f"The packaged C-MAPSS data file {str(DATA_FILE)!r} is missing. Reinstall rnnlens, or rebuild "
            "it with `python tools/train_cmapss.py --pack-from <dir with train_FD001.txt>`."
        ) from None
    except Exception as exc:  # zip / pickle / key errors all mean a damaged file
        raise DataError(
            f"The packaged C-MAPSS data file {str(DATA_FILE)!r} is damaged ({exc}). Reinstall rnnlens."
        ) from exc
    if tuple(int(d) for d in scaled["decimals"]) != DECIMALS or any(
        scaled[key].ndim != 2 or scaled[key].shape[0] != len(COLUMNS) for key in ("train", "test")
    ):
        raise DataError(f"{str(DATA_FILE)!r} has an unexpected column layout. Reinstall rnnlens.")
    scale = 10.0 ** np.asarray(DECIMALS, dtype=np.float64)
    out: dict[str, np.ndarray] = {
        # int / 10**d is correctly rounded, so each value equals float() of NASA's decimal text.
        "train": scaled["train"].T.astype(np.float64) / scale,
        "test": scaled["test"].T.astype(np.float64) / scale,
        "rul_test": scaled["rul_test"].astype(np.int64),
    }
    for array in out.values():
        array.setflags(write=False)
    return out


def _last_cycles(table: np.ndarray) -> list[tuple[int, int]]:
    """(unit, last cycle) for each engine, units ascending."""
    units = table[:, 0].astype(np.int64)
    cycles = table[:, 1].astype(np.int64)
    ids = np.unique(units)
    return [(int(u), int(cycles[units == u].max())) for u in ids]


def _engine_slices(table: np.ndarray) -> list[tuple[int, slice]]:
    """Rows of each engine; NASA's files list each engine's cycles contiguously, in order."""
    units = table[:, 0].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    ends = np.r_[starts[1:], len(units)]
    return [(int(units[s]), slice(int(s), int(e))) for s, e in zip(starts, ends, strict=True)]


def _train_windows(
    table: np.ndarray, values: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cycles = table[:, 1].astype(np.int32)
    xs, cs, us = [], [], []
    for unit, rows in _engine_slices(table):
        # sliding_window_view puts the window axis last: (k, features, window) -> (k, window, features)
        xs.append(np.lib.stride_tricks.sliding_window_view(values[rows], window, axis=0))
        cs.append(np.lib.stride_tricks.sliding_window_view(cycles[rows], window))
        us.append(np.full(len(cs[-1]), unit, dtype=np.int32))
    x = np.ascontiguousarray(np.concatenate(xs).transpose(0, 2, 1), dtype=np.float32)
    return x, np.concatenate(cs).astype(np.int32), np.concatenate(us)


def _test_windows(
    table: np.ndarray, values: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cycles = table[:, 1].astype(np.int32)
    engines = _engine_slices(table)
    x = np.empty((len(engines), window, values.shape[1]), dtype=np.float32)
    c = np.empty((len(engines), window), dtype=np.int32)
    pad = np.zeros(len(engines), dtype=np.int32)
    for i, (_, rows) in enumerate(engines):
        v, cy = values[rows][-window:], cycles[rows][-window:]
        pad[i] = window - len(v)
        x[i] = np.concatenate([np.repeat(v[:1], pad[i], axis=0), v])
        c[i] = np.concatenate([np.repeat(cy[:1], pad[i]), cy])
    units = np.array([u for u, _ in engines], dtype=np.int32)
    return x, c, units, pad


def _metadata() -> dict[str, Any]:
    try:
        text = METADATA_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelLoadError(
            f"The C-MAPSS model metadata {str(METADATA_FILE)!r} is missing. Reinstall rnnlens, or rebuild "
            "the demo models with `python tools/train_cmapss.py`."
        ) from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelLoadError(
            f"The C-MAPSS model metadata {str(METADATA_FILE)!r} is damaged ({exc}). Reinstall rnnlens."
        ) from exc
    required = ("scaler", "window", "rul_cap", "failure_horizon", "metrics")
    missing = [key for key in required if key not in meta] if isinstance(meta, dict) else required
    if missing:
        raise ModelLoadError(
            f"The C-MAPSS model metadata {str(METADATA_FILE)!r} is damaged: it lacks {list(missing)}. "
            "Reinstall rnnlens."
        )
    return dict(meta)
