"""Intra-op threads for generation: set per call, and chosen by timing the tokens.

At batch 1 a token of a 2x512 LSTM is three int8 matrix-vector products over
~3 MB of weights. On an idle 2-core machine two threads make a token ~1.6x
faster than one (each core streams half the weights, which then fit its L2
cache); but while another process keeps the second core busy, each parallel
region waits for a descheduled thread and a token takes ~50 ms instead of
~0.25 ms (``bench/bench_generate.py`` saw both on the 2-core dev machine).
No fixed count is right everywhere, so :class:`ThreadTuner` times tokens as
they are made and moves between one thread and two, trying two only while
the load average leaves a core free.

The count is PyTorch's (OpenMP's) for the calling OS thread only, so a GUI
worker that generates does not change a training thread's count; it is also
restored after every call (:class:`Compute`), so nothing leaks into the code
that runs between tokens. The oneDNN switch is never touched: it is
process-wide, and the generation ops do not use oneDNN's RNN kernel anyway.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator

import torch

__all__ = ["AUTO_MAX_THREADS", "Compute", "ThreadTuner", "cores_look_busy", "scoped_threads"]

AUTO_MAX_THREADS = 2  # batch-1 products are too small to share among more


@contextlib.contextmanager
def scoped_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` intra-op threads on this OS thread, then restore."""
    before = torch.get_num_threads()
    if before != threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if before != threads:
            torch.set_num_threads(before)


def cores_look_busy() -> bool:
    """True when the 1-minute load average leaves no core free (unknown: False)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average
        return False
    try:
        cores = len(os.sched_getaffinity(0))  # the cores this process may use
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return load > cores - 0.5


class ThreadTuner:
    """Picks 1 or ``most`` threads per call from how long recent tokens took.

    It starts on one thread. After ``interval`` tokens it tries the other
    count (unless ``busy()`` says every core is taken) for ``PROBE`` tokens
    after one warm-up call, and keeps it if that is clearly faster
    (``GAIN``); otherwise the wait before the next try doubles, up to
    ``MAX_INTERVAL``. A token on several threads that takes ``SLOW`` times
    the best typical time (``WARM_UP_SLOW`` for the warm-up call, which also
    starts OpenMP's threads) means another process holds a core: it drops to
    one thread at once and waits longer before trying again, so a busy
    machine pays for a failed try (one slow token) only rarely. Shared by the
    threads that use one model, it is a heuristic: races only blur its timings.
    """

    PROBE = 16
    FIRST_INTERVAL = 32
    MAX_INTERVAL = 16384
    SLOW = 3.0
    WARM_UP_SLOW = 10.0
    GAIN = 0.9

    def __init__(self, most: int, busy: Callable[[], bool] = cores_look_busy):
        self.most = max(1, most)
        self.busy = busy
        self.current = 1
        self.typical: dict[int, float] = {}  # threads -> recent seconds per token (EMA)
        self.interval = self.left = self.FIRST_INTERVAL
        self.trying = 0  # calls left in the current try, warm-up included; 0: not trying
        self.home = 1

    def record(self, threads: int, seconds: float, tokens: int) -> None:
        """``tokens`` took ``seconds`` on ``threads`` threads."""
        if tokens <= 0 or self.most == 1 or threads != self.current:
            return
        per = seconds / tokens
        warm_up = self.trying == self.PROBE + 1
        best = min(self.typical.values(), default=per)
        if threads > 1 and per > (self.WARM_UP_SLOW if warm_up else self.SLOW) * best:
            self._back_off(1)
            return
        if warm_up:
            self.trying -= 1
            return
        fresh = self.trying == self.PROBE  # the first sample of a try: old timings are stale
        old = self.typical.get(threads)
        self.typical[threads] = per if old is None or fresh else 0.8 * old + 0.2 * per
        if self.trying:
            self.trying = max(0, self.trying - tokens)
            if not self.trying:
                self._decide()
            return
        self.left -= tokens
        if self.left > 0:
            return
        if self.current == 1 and self.busy():
            self._back_off(1)
            return
        self.home, self.trying = self.current, self.PROBE + 1
        self.current = self.most if self.current == 1 else 1

    def _decide(self) -> None:
        tried, home = self.current, self.home
        if self.typical[tried] < self.GAIN * self.typical[home]:
            self.interval = self.left = self.FIRST_INTERVAL * 4
        else:
            self._back_off(home)

    def _back_off(self, threads: int) -> None:
        self.current, self.trying = threads, 0
        self.interval = self.left = min(2 * self.interval, self.MAX_INTERVAL)


class Compute:
    """``inference_mode`` and the thread count for one call, timed for the tuner.

    ``threads`` is a fixed count or a :class:`ThreadTuner`; ``tokens`` is how
    many tokens the call advances (0: do not time it). Costs a few microseconds.
    """

    __slots__ = ("choice", "tokens", "threads", "before", "mode", "start")

    def __init__(self, threads: int | ThreadTuner, tokens: int = 1):
        self.choice, self.tokens = threads, tokens

    def __enter__(self) -> None:
        choice = self.choice
        self.threads = choice if isinstance(choice, int) else choice.current
        self.mode = torch.inference_mode()
        self.mode.__enter__()
        self.before = torch.get_num_threads()
        if self.before != self.threads:
            torch.set_num_threads(self.threads)
        self.start = time.perf_counter()

    def __exit__(self, *exc) -> None:
        seconds = time.perf_counter() - self.start
        if self.before != self.threads:
            torch.set_num_threads(self.before)
        self.mode.__exit__(*exc)
        if not isinstance(self.choice, int) and exc[0] is None:
            self.choice.record(self.threads, seconds, self.tokens)
