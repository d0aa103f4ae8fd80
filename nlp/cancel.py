"""Stopping a long data preparation (reading, hashing, encoding a corpus) from another thread.

Preparing a run's data can take minutes on a big corpus, deep inside calls that
take no stop flag (``new_lm_training`` -> ``prepare_lm_data`` -> the corpus
reader). The window's training worker runs that preparation inside
:func:`cancel_when`; the streaming loops call :func:`check` once per chunk,
which raises :class:`~nlp.errors.Cancelled` when the stop was asked. The
setting is per thread: the CLI, which never sets it, and other threads are
unaffected, and a chunk (about a megabyte) is the longest a stop waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nlp.errors import Cancelled

_local = threading.local()


@contextmanager
def cancel_when(should_stop: Callable[[], bool]) -> Iterator[None]:
    """Within the block, on this thread, :func:`check` raises once ``should_stop()``."""
    previous = getattr(_local, "should_stop", None)
    _local.should_stop = should_stop
    try:
        yield
    finally:
        _local.should_stop = previous


def check() -> None:
    """Raise :class:`Cancelled` if this thread's work was asked to stop."""
    should_stop = getattr(_local, "should_stop", None)
    if should_stop is not None and should_stop():
        raise Cancelled("stopped while preparing the data")
