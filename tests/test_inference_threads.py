"""Thread counts for generation: scoped per call, and the tuner's choices."""

from __future__ import annotations

import threading

import torch

from nlp.decoding.threads import Compute, ThreadTuner, scoped_threads

FAST, SLOW_1 = 1e-4, 2e-4  # seconds per token: two threads fast, one thread slower


def _feed(tuner: ThreadTuner, tokens: int, per_threads: dict[int, float]) -> list[int]:
    """Run ``tokens`` single-token calls; returns the thread count used for each."""
    used = []
    for _ in range(tokens):
        n = tuner.current
        used.append(n)
        tuner.record(n, per_threads[n], 1)
    return used


def test_moves_to_two_threads_when_they_are_faster():
    tuner = ThreadTuner(2, busy=lambda: False)
    used = _feed(tuner, 200, {1: SLOW_1, 2: FAST})
    assert used[0] == 1 and used[-1] == 2
    assert used.index(2) == ThreadTuner.FIRST_INTERVAL


def test_stays_on_one_thread_when_two_are_not_faster_and_tries_less_often():
    tuner = ThreadTuner(2, busy=lambda: False)
    used = _feed(tuner, 5000, {1: FAST, 2: FAST * 0.95})
    assert used[-1] == 1
    tries = sum(1 for a, b in zip(used, used[1:], strict=False) if a == 1 and b == 2)
    assert 3 <= tries <= 8  # waits double: 32, 64, 128, ...


def test_a_busy_core_sends_it_back_to_one_thread_at_once():
    tuner = ThreadTuner(2, busy=lambda: False)
    _feed(tuner, 200, {1: SLOW_1, 2: FAST})
    assert tuner.current == 2
    tuner.record(2, 50e-3, 1)  # another process took the second core
    assert tuner.current == 1
    used = _feed(tuner, 2000, {1: SLOW_1, 2: 50e-3})
    slow_tries = used.count(2)
    assert slow_tries <= 6  # each failed try costs one slow token, and they get rarer


def test_the_warm_up_call_on_new_threads_is_forgiven_some_slowness():
    tuner = ThreadTuner(2, busy=lambda: False)
    _feed(tuner, ThreadTuner.FIRST_INTERVAL, {1: SLOW_1})
    assert tuner.current == 2
    tuner.record(2, 1e-3, 1)  # starting OpenMP's threads: 5x a token on one thread
    assert tuner.current == 2
    _feed(tuner, 100, {1: SLOW_1, 2: FAST})
    assert tuner.current == 2


def test_a_slow_warm_up_counts_as_a_busy_core():
    tuner = ThreadTuner(2, busy=lambda: False)
    _feed(tuner, ThreadTuner.FIRST_INTERVAL, {1: SLOW_1})
    tuner.record(2, 30e-3, 1)
    assert tuner.current == 1


def test_no_tries_while_the_load_average_says_the_cores_are_busy():
    tuner = ThreadTuner(2, busy=lambda: True)
    assert set(_feed(tuner, 3000, {1: SLOW_1, 2: FAST})) == {1}


def test_one_core_never_changes():
    tuner = ThreadTuner(1, busy=lambda: False)
    assert set(_feed(tuner, 100, {1: FAST})) == {1}


def test_compute_sets_and_restores_threads_and_records():
    before = torch.get_num_threads()
    tuner = ThreadTuner(2, busy=lambda: False)
    tuner.current = before + 1
    with Compute(tuner, tokens=3):
        assert torch.get_num_threads() == before + 1
        assert torch.is_inference_mode_enabled()
    assert torch.get_num_threads() == before and not torch.is_inference_mode_enabled()
    with Compute(2, tokens=1):
        assert torch.get_num_threads() == 2


def test_scoped_threads_is_per_os_thread():
    before = torch.get_num_threads()
    seen = []

    def worker():
        with scoped_threads(1):
            seen.append(torch.get_num_threads())

    with scoped_threads(before + 1):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert torch.get_num_threads() == before + 1
    assert seen == [1] and torch.get_num_threads() == before
