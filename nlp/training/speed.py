"""How fast a model trains here: a few real training steps, timed, remembered.

A recipe (``nlp.training.recipe``) turns a time budget into a number of steps, so it
needs the tokens per second of a candidate model on *this* device at *this*
precision: a laptop CPU, a 2-core server with bf16 kernels and an H200 differ
by orders of magnitude, and which precision is faster differs too (bf16 is
about twice fp32 for an LSTM on a CPU with AVX-512 BF16, and slower than fp32
for the same LSTM under cuDNN on an H200).

:func:`lm_speed` and :func:`mt_speed` time the real step (forward, backward,
clipping, AdamW, as :class:`~nlp.training.trainer.Trainer` does it) on random token
ids of the planned shape, for about :data:`PROBE_SECONDS` after warm-up steps
(the median of three windows). Results are kept in a small JSON file in the cache folder, keyed by
the machine, the device, the thread count, the torch version and the shape,
so the window can show a recipe at once the second time.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from nlp.paths import cache_dir

log = logging.getLogger(__name__)

PROBE_SECONDS = 0.75  # timed steps of one probe (after warm-up), in WINDOWS windows
WINDOWS = 3
MIN_STEPS = 2  # per window
WARMUP_STEPS = 2
CACHE_FILE = "speed-v1.json"
MAX_AGE_S = 7 * 24 * 3600
_memory: dict[str, float] = {}
_PROBING = threading.Lock()


@dataclass(frozen=True)
class Speed:
    """Measured training throughput: target tokens per second, and where it came from."""

    tokens_per_s: float
    precision: str
    cached: bool = False


def _device_key(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "mps"
    return f"cpu:{platform.processor() or platform.machine()}:{os.cpu_count()}" \
           f":{torch.get_num_threads()}t"


def _key(kind: str, device: torch.device, precision: str, shape: dict) -> str:
    parts = [kind, torch.__version__, _device_key(device), precision]
    parts += [f"{k}={shape[k]}" for k in sorted(shape)]
    return "|".join(parts)


def _cache_path() -> Path:
    return cache_dir() / CACHE_FILE


def _load_cache() -> dict[str, list]:
    """``{key: [tokens/s, unix time]}``; measurements older than MAX_AGE_S are dropped
    (a machine's load, drivers and clocks change)."""
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    now = time.time()
    return {k: v for k, v in data.items()
            if isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v)
            and now - v[1] < MAX_AGE_S}


def _store(key: str, value: float) -> None:
    """Remember a measurement in memory and, best effort, on disk (atomically)."""
    _memory[key] = value
    path = _cache_path()
    try:
        data = _load_cache()
        data[key] = [round(value, 1), round(time.time())]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache only costs a new probe next time
        log.debug("could not keep the speed measurement: %s", exc)


def _recall(key: str) -> float | None:
    if key in _memory:
        return _memory[key]
    entry = _load_cache().get(key)
    if entry is None:
        return None
    _memory[key] = float(entry[0])
    return _memory[key]


def _time_steps(step: Callable[[], None], sync: Callable[[], None]) -> float:
    """Seconds per step after warm-up: the median of WINDOWS timings of about
    PROBE_SECONDS / WINDOWS each (a busy moment on the machine moves one window,
    not the answer)."""
    for _ in range(WARMUP_STEPS):
        step()
    sync()
    times = []
    for _ in range(WINDOWS):
        start = time.perf_counter()
        n = 0
        while n < MIN_STEPS or time.perf_counter() - start < PROBE_SECONDS / WINDOWS:
            step()
            n += 1
        sync()
        times.append((time.perf_counter() - start) / n)
    return sorted(times)[len(times) // 2]


def _trainer_step(model: nn.Module, device: torch.device, precision: str,
                  loss_of: Callable[[], torch.Tensor]) -> Callable[[], None]:
    """One step as the Trainer takes it: autocast forward, backward, clip, AdamW."""
    from nlp.training.devices import pick_precision

    prec = pick_precision(precision, device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, fused=device.type == "cuda" or None)
    scaler = torch.amp.GradScaler(device.type, enabled=prec.needs_scaler)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        with prec.autocast():
            loss = loss_of()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(params, 1.0)
        scaler.step(opt)
        scaler.update()
        loss.item()

    return step


def _sync(device: torch.device) -> Callable[[], None]:
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def _probe_model(make: Callable[[], nn.Module], device: torch.device) -> nn.Module:
    """The module ``make()`` builds, on ``device``, with small random weights drawn from
    a private generator: a probe never touches the global random state, which a run
    training in another thread of the window draws from."""
    with torch.device("meta"):
        model = make()
    model = model.to_empty(device=device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.empty(p.shape).uniform_(-0.08, 0.08, generator=gen))
    return model.train()


def _ids(low: int, high: int, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    return torch.randint(low, high, shape, generator=gen)


def _measure(key: str, build: Callable[[], tuple[nn.Module, Callable, int]],
             device: torch.device, precision: str) -> Speed:
    cached = _recall(key)
    if cached is not None:
        return Speed(cached, precision, cached=True)
    with _PROBING:  # one probe at a time: two at once would each time the other's load
        cached = _recall(key)  # measured meanwhile by the caller that held the lock
        if cached is not None:
            return Speed(cached, precision, cached=True)
        model, loss_of, tokens = build()
        seconds = _time_steps(_trainer_step(model, device, precision, loss_of), _sync(device))
        value = tokens / seconds
        _store(key, value)
    log.debug("measured %s: %.0f tokens/s", key, value)
    return Speed(value, precision, cached=False)


def lm_speed(model_cfg: dict, batch_size: int, seq_len: int, device: torch.device,
             precision: str) -> Speed:
    """Training tokens per second of a language model (``LMConfig`` fields, with
    ``vocab_size``) at ``batch_size`` x ``seq_len`` with the state carried."""
    from models.language_model import LanguageModel, LMConfig

    cfg = LMConfig.from_dict({**model_cfg, "dropout": 0.0})  # no random masks: timing only
    shape = {**cfg.to_dict(), "batch": batch_size, "seq": seq_len}
    shape["hidden_sizes"] = str(shape["hidden_sizes"])

    def build():
        model = _probe_model(lambda: LanguageModel(cfg), device)
        gen = torch.Generator().manual_seed(1)
        x = _ids(4, cfg.vocab_size, (batch_size, seq_len), gen).to(device)
        y = _ids(4, cfg.vocab_size, (batch_size, seq_len), gen).to(device)

        def loss_of():
            return model(x, None, y)[1]

        return model, loss_of, batch_size * seq_len

    return _measure(_key("lm", device, precision, shape), build, device, precision)


def mt_speed(model_cfg: dict, batch_size: int, src_len: int, tgt_len: int,
             device: torch.device, precision: str) -> Speed:
    """Training target tokens per second of a translator (``Seq2SeqConfig`` fields,
    with the vocabulary sizes) on batches of ``batch_size`` pairs of the given lengths."""
    from models.seq2seq import Seq2Seq, Seq2SeqConfig
    from nlp.data.batching import Seq2SeqBatches

    cfg = Seq2SeqConfig.from_dict({**model_cfg, "dropout": 0.0, "label_smoothing": 0.0,
                                   "scheduled_sampling": 0.0})  # timing only: no randomness
    shape = {**cfg.to_dict(), "batch": batch_size, "src": src_len, "tgt": tgt_len}

    def build():
        model = _probe_model(lambda: Seq2Seq(cfg), device)
        gen = torch.Generator().manual_seed(1)
        src = [_ids(4, cfg.src_vocab, (src_len,), gen).numpy() for _ in range(batch_size)]
        tgt = [_ids(4, cfg.tgt_vocab, (tgt_len,), gen).numpy() for _ in range(batch_size)]
        batch = next(iter(Seq2SeqBatches(src, tgt, batch_size=batch_size, shuffle=False)))
        batch = batch.to(device)

        def loss_of():
            return model(batch)[1]

        return model, loss_of, batch.n_tgt_tokens

    return _measure(_key("mt", device, precision, shape), build, device, precision)
