"""Numeric series: reading a CSV column, splitting, scaling, windows, baselines, metrics.

The data half of forecasting, with the spec a run records (:class:`SeriesDataSpec`);
``nlp.tasks.series.task`` holds the model's task and the forecasts,
``nlp.tasks.series.session`` the runs. A series is one numeric column of a CSV file with a header line;
the delimiter is sniffed (comma, semicolon, tab or bar) and the encoding is
detected as for text corpora (``nlp.data.corpus``: UTF-8, UTF-16 with a BOM, or the
one given). Cells that are empty or not numbers stop reading with their line
number, unless the caller chooses to drop them or interpolate them.

Windows: the value at time ``t`` is predicted from the ``W`` values before it.
The first points have fewer than ``W`` before them, so their windows are
left-padded::

    history  . . 3.1 2.7 | target 3.4        channel 0: 0   0   3.1 2.7   (scaled)
    (W = 4)                                  channel 1: 0   0   1   1     (mask)

Padding is the value 0 in scaled units (the training mean) with mask 0; the
mask tells the model which steps are real.
"""

from __future__ import annotations

import csv
import itertools
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from models.config import check_choice, check_int
from nlp.data.corpus import TextOptions, iter_text, split_lines
from nlp.errors import ConfigError, CorpusError
from nlp.paths import sample_corpora_dir
from nlp.tasks.session import DataSpec

log = logging.getLogger(__name__)

MISSING = ("error", "drop", "interpolate")
DELIMITERS = ",;\t|"
MIN_TRAIN = 10  # fewest points the training part may have (besides covering one window)
SNIFF_LINES = 20


@dataclass(frozen=True)
class Series:
    """One column of a CSV file as numbers, and what reading it changed."""

    values: np.ndarray  # float64, in the file's order
    column: str
    source: str
    notes: tuple[str, ...] = ()  # rows dropped or filled in


# -- reading a CSV ------------------------------------------------------------------

def _rows(path: Path, encoding: str | None) -> tuple[Iterator[list[str]], csv.Dialect, object]:
    """(rows, dialect, reader): the reader's ``line_num`` is the line of the last row."""
    lines = split_lines(iter_text(path, TextOptions(encoding=encoding, nfc=False),
                                  chunk_chars=1 << 16))
    head = list(itertools.islice(lines, SNIFF_LINES))
    try:
        dialect = csv.Sniffer().sniff("\n".join(head), delimiters=DELIMITERS)
    except csv.Error:  # one column, or too irregular to tell: commas
        dialect = csv.excel
    reader = csv.reader(itertools.chain(head, lines), dialect)
    rows = (row for row in reader if any(cell.strip() for cell in row))  # blank lines
    return rows, dialect, reader


def parse_number(cell: str, decimal_comma: bool = False) -> float | None:
    """The finite number in ``cell``, or None (empty, NaN, infinite or text).
    ``decimal_comma``: "3,5" means 3.5 (files delimited by ``;`` or tabs)."""
    text = cell.strip()
    if decimal_comma and "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_header(path: str | Path, encoding: str | None = None) -> list[str]:
    """The column names of a CSV file (its first non-blank line)."""
    rows, _, _ = _rows(Path(path), encoding)
    header = next(rows, None)
    if header is None:
        raise CorpusError(f"{path} holds no lines: a CSV with a header line is needed")
    return [name.strip() for name in header]


def _pick_column(path: Path, header: list[str], first: list[str], column: str | None,
                 decimal_comma: bool) -> int:
    listing = ", ".join(repr(h) for h in header)
    if column is not None:
        for names in (header, [h.casefold() for h in header]):
            wanted = column if names is header else column.casefold()
            if wanted in names:
                return names.index(wanted)
        raise ConfigError(f"{path} has no column {column!r}; its columns are: {listing}")
    if len(header) == 1:
        return 0
    numeric = [i for i in range(len(header))
               if i < len(first) and parse_number(first[i], decimal_comma) is not None]
    if len(numeric) == 1:
        log.info("forecasting column %r of %s (its only numeric column)", header[numeric[0]], path)
        return numeric[0]
    raise ConfigError(f"{path} has {len(header)} columns; choose the one to forecast "
                      f"(--column NAME): {listing}")


def read_series(path: str | Path, column: str | None = None, missing: str = "error",
                encoding: str | None = None) -> Series:
    """Read one numeric column of a CSV file with a header line.

    ``missing`` says what to do with an empty, NaN or non-numeric cell:
    ``error`` (stop, naming its line), ``drop`` (leave its row out) or
    ``interpolate`` (fill it in linearly from its neighbours; at either end,
    the nearest value). ``column`` None takes the only column, or the only one
    whose first cell is a number.
    """
    if missing not in MISSING:
        raise ConfigError(f"unknown choice {missing!r} for missing values; choose one of "
                          f"{', '.join(MISSING)}")
    path = Path(path)
    rows, dialect, reader = _rows(path, encoding)
    header = next(rows, None)
    first = next(rows, None)
    if header is None or first is None:
        raise CorpusError(f"{path} has no data rows: a CSV needs a header line, then one row "
                          "per time step")
    header = [h.strip() for h in header]
    decimal_comma = dialect.delimiter != ","
    if all(parse_number(h, decimal_comma) is not None for h in header):
        raise CorpusError(f"the first line of {path} holds numbers, not column names: add a "
                          "header line, such as date,value")
    index = _pick_column(path, header, first, column, decimal_comma)
    values, bad = [], []  # bad: (line, cell)
    for row in itertools.chain([first], rows):
        cell = row[index] if index < len(row) else ""
        number = parse_number(cell, decimal_comma)
        if number is None:
            bad.append((reader.line_num, cell.strip()))
        values.append(np.nan if number is None else number)
    return _apply_missing(path, header[index], np.asarray(values, dtype=np.float64), bad,
                          missing)


def _apply_missing(path: Path, name: str, values: np.ndarray, bad: list[tuple[int, str]],
                   missing: str) -> Series:
    ok = ~np.isnan(values)
    if not ok.any():
        raise CorpusError(f"column {name!r} of {path} holds no numbers")
    if not bad:
        return Series(values, name, str(path))
    line, cell = bad[0]
    more = f" ({len(bad) - 1} more rows like it)" if len(bad) > 1 else ""
    if missing == "error":
        what = "is empty" if not cell else f"holds {cell!r}, not a number"
        raise CorpusError(f"{path}, line {line}: column {name!r} {what}{more}. Fix the file, "
                          "or choose to drop such rows or interpolate them (--missing drop "
                          "or --missing interpolate)")
    if missing == "drop":
        note = (f"left out {len(bad)} rows whose {name!r} value is missing or not a number "
                f"(the first at line {line})")
        return Series(values[ok], name, str(path), (note,))
    positions = np.arange(len(values))
    filled = np.interp(positions, positions[ok], values[ok])  # ends: the nearest value
    note = (f"filled in {len(bad)} missing or non-numeric {name!r} values by linear "
            f"interpolation (the first at line {line})")
    return Series(filled, name, str(path), (note,))


# -- split and scaling --------------------------------------------------------------

@dataclass(frozen=True)
class Split:
    """Chronological parts: train ``[0, train_end)``, validation ``[train_end,
    val_end)``, test ``[val_end, n)`` (the last ``horizon`` points)."""

    n: int
    train_end: int
    val_end: int

    @property
    def sizes(self) -> tuple[int, int, int]:
        return self.train_end, self.val_end - self.train_end, self.n - self.val_end


def minimum_length(window: int, horizon: int) -> int:
    return max(window, MIN_TRAIN) + 2 * horizon


def split_series(n: int, window: int, horizon: int) -> Split:
    """Test: the last ``horizon`` points; validation: the ``max(horizon, n / 10)``
    before them (at least ``horizon``); training: the rest, at least the window."""
    if window < 1 or horizon < 1:
        raise ConfigError(f"window and horizon must be 1 or more, not {window} and {horizon}")
    need = minimum_length(window, horizon)
    if n < need:
        raise CorpusError(
            f"the series has {n} values, too few for a window of {window} and a horizon of "
            f"{horizon}: it needs at least {need} ({need - 2 * horizon} to train on, "
            f"{horizon} to validate, {horizon} to test). Use a shorter window or horizon, "
            "or a longer series")
    val = max(horizon, min(n // 10, n - horizon - max(window, MIN_TRAIN)))
    return Split(n, n - horizon - val, n - horizon)


@dataclass(frozen=True)
class Scaler:
    """Standardization fitted on the training part only: (x - mean) / std."""

    mean: float
    std: float

    @classmethod
    def fit(cls, train: np.ndarray) -> Scaler:
        std = float(np.std(train))
        return cls(float(np.mean(train)), std if std > 1e-12 else 1.0)  # constant: no scaling

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


# -- windows ------------------------------------------------------------------------

def make_windows(scaled: np.ndarray, targets: np.ndarray, window: int) -> np.ndarray:
    """Inputs for predicting ``scaled[t]`` for each ``t`` in ``targets``: the ``window``
    values before ``t``, left-padded (see the module doc). Returns (n, W, 2) float32:
    channel 0 the value, channel 1 the mask (1 real, 0 padding)."""
    targets = np.asarray(targets, dtype=np.int64)
    if targets.size and (targets.min() < 1 or targets.max() > len(scaled)):
        raise ValueError("targets must lie in [1, len(scaled)]: each needs one value before it")
    padded = np.concatenate([np.zeros(window), scaled])
    mask = np.concatenate([np.zeros(window), np.ones(len(scaled))])
    # padded[t : t + W] holds scaled[t - W : t] (zeros before the start)
    views = np.lib.stride_tricks.sliding_window_view
    out = np.empty((len(targets), window, 2), dtype=np.float32)
    out[:, :, 0] = views(padded, window)[targets]
    out[:, :, 1] = views(mask, window)[targets]
    return out


# -- season -------------------------------------------------------------------------

def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation at lags 0..max_lag of the linearly detrended series
    (the usual biased estimate, so long lags count less)."""
    x = np.asarray(values, dtype=np.float64)
    t = np.arange(len(x))
    slope, intercept = np.polyfit(t, x, 1) if len(x) > 1 else (0.0, float(x.mean()))
    r = x - (slope * t + intercept)
    r -= r.mean()
    size = 1 << int(2 * len(r) - 1).bit_length()  # zero-padded: no wrap-around
    spectrum = np.fft.rfft(r, size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), size)[:max_lag + 1]
    return acf / acf[0] if acf[0] > 0 else np.zeros(max_lag + 1)


def detect_season(values: np.ndarray, min_strength: float = 0.3) -> tuple[int | None, float]:
    """The season length of ``values``: the lag (2 or more, up to half the length)
    of the highest autocorrelation peak, and that autocorrelation. (None, best)
    when no peak reaches ``min_strength``."""
    max_lag = len(values) // 2
    if max_lag < 3:
        return None, 0.0
    acf = autocorrelation(values, max_lag)
    lags = np.arange(2, max_lag)
    peaks = lags[(acf[lags] > acf[lags - 1]) & (acf[lags] >= acf[lags + 1])]
    if not peaks.size:
        return None, 0.0
    best = int(peaks[np.argmax(acf[peaks])])
    strength = float(acf[best])
    return (best, strength) if strength >= min_strength else (None, strength)


# -- baselines and metrics ----------------------------------------------------------

def naive_forecast(history: np.ndarray, steps: int) -> np.ndarray:
    """The last value, repeated."""
    return np.full(steps, float(history[-1]))


def seasonal_naive_forecast(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """The last season, repeated: step ``h`` takes the value one or more seasons back."""
    last = np.asarray(history[-season:], dtype=np.float64)
    return last[np.arange(steps) % season]


def naive_one_step(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """One step ahead: each target predicted by the value just before it."""
    return np.asarray(values, dtype=np.float64)[np.asarray(targets) - 1]


def seasonal_one_step(values: np.ndarray, targets: np.ndarray, season: int) -> np.ndarray:
    """One step ahead: each target predicted by the value one season before it."""
    return np.asarray(values, dtype=np.float64)[np.asarray(targets) - season]


def mse(prediction: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean((np.asarray(prediction) - np.asarray(truth)) ** 2))


def mae(prediction: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(prediction) - np.asarray(truth))))


# -- the spec a run records ------------------------------------------------------------

def sample_series_path() -> Path:
    """The generated sample series that ships in ``corpora/series/``."""
    return sample_corpora_dir() / "series" / "seasonal.csv"


@dataclass(frozen=True)
class SeriesDataSpec(DataSpec):
    """Where a series comes from and how it is cut: what ``run.json`` records."""

    PATH_FIELDS: ClassVar[tuple[str, ...]] = ("csv",)

    csv: str
    column: str | None = None
    missing: str = "error"
    encoding: str | None = None
    window: int = 28
    horizon: int = 28
    season: int | None = None  # None: detected from the training part

    def __post_init__(self) -> None:
        w = "series"
        check_choice(w, "missing", self.missing, MISSING)
        check_int(w, "window", self.window, 1)
        check_int(w, "horizon", self.horizon, 1)
        if self.season is not None:
            check_int(w, "season", self.season, 2)
