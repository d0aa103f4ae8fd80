"""Generate the ``series/seasonal.csv`` sample: a daily series with seasons, trend and noise.

    python corpora/make_series.py --out corpora/series/seasonal.csv          # (re)write
    python corpora/make_series.py --out corpora/series/seasonal.csv --check  # compare only

Three years of days (2021-01-01 to 2023-12-31, 1,095 rows), ``date,value``,
UTF-8, ``\\n`` line ends, values with two decimals. Each value is

    50 + 0.01 * day                          a slow upward trend
    + 8 * sin(2 pi (day of year - 105) / 365.25)   a yearly swing, high in July
    + WEEKLY[weekday]                        a weekly cycle: busy midweek, low weekends
    + gauss(0, 2)                            noise

The output depends only on ``--seed`` (Python's own ``random``, so it is the same
on every platform); the committed file is the output of the default seed, byte
for byte.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from pathlib import Path

DEFAULT_SEED = 20261127
START = dt.date(2021, 1, 1)
DAYS = 1095
WEEKLY = (2.0, 3.0, 3.0, 2.5, 1.5, -5.0, -7.0)  # Monday to Sunday; sums to 0
NOISE = 2.0


def value(day: int, date: dt.date, rng: random.Random) -> float:
    """The value of ``day`` (0 = START): trend, yearly swing, weekday, noise."""
    yearly = 8.0 * math.sin(2 * math.pi * (date.timetuple().tm_yday - 105) / 365.25)
    return 50.0 + 0.01 * day + yearly + WEEKLY[date.weekday()] + rng.gauss(0.0, NOISE)


def build_rows(seed: int = DEFAULT_SEED, days: int = DAYS) -> list[tuple[str, float]]:
    """(ISO date, value) for each day from START."""
    rng = random.Random(seed)
    rows = []
    for day in range(days):
        date = START + dt.timedelta(days=day)
        rows.append((date.isoformat(), round(value(day, date, rng), 2)))
    return rows


def render(rows: list[tuple[str, float]]) -> bytes:
    return ("date,value\n" + "".join(f"{d},{v:.2f}\n" for d, v in rows)).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="random seed (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if --out differs from the output")
    args = parser.parse_args(argv)
    data = render(build_rows(args.seed))
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == data
        if not same:
            print(f"differs: {args.out}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {DAYS} rows, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
