"""Generation speed at batch 1 on the CPU, as JSON.

    .venv/bin/python bench/bench_generate.py            # about 2-3 minutes
    .venv/bin/python bench/bench_generate.py --quick    # fewer rounds

For a 2x512 char LSTM and a 2x512 GRU (vocab 65, embed 128, random weights:
speed does not depend on the values) it reports:

- ``ms_per_token``: one step (token in, logits out) for each way of running
  it: the fused ``nn.LSTM``/``nn.GRU`` call with oneDNN on (PyTorch's
  default) or off and 1 or 2 threads; ``LanguageModel.step`` (``lstm_cell``);
  ``torch.ao.quantization.quantize_dynamic``; and our ``InferenceModel`` in
  fp32 and int8. The options run in interleaved rounds; ``min`` is the best
  round (the least disturbed by other processes), ``median`` the typical one.
- ``default``: what ``prepare_for_generation(model)`` picks (int8 here, its
  thread count chosen as it goes), and the whole ``generate_stream`` loop
  with it (sampling at temperature 0.8, decoding): ms per token, tokens/s.
- ``first_token_ms``: from a loaded model to the first text piece for a
  50-character prompt: ``prepare_ms`` (building the copy) plus
  ``prompt_and_first_ms`` (feeding the prompt, sampling, decoding); medians.
- ``int8_vs_fp32``: the largest |logit difference| over 300 teacher-forced
  tokens for our int8 copy and for ``quantize_dynamic``, with the logits'
  own largest magnitude for scale, and how often the argmax agrees.
- ``cuda_module`` (where a GPU is present): the plain LanguageModel on the GPU,
  batch 1 and a batch of 16 samples.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from models.language_model import LanguageModel, LMConfig  # noqa: E402
from nlp.decoding.fast_inference import prepare_for_generation  # noqa: E402
from nlp.decoding.generation import GenerationConfig, generate, generate_stream  # noqa: E402
from nlp.decoding.threads import scoped_threads  # noqa: E402

CHARS = "\n !',-.:?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 61 + 4 specials = 65
PROMPT = "First Citizen:\nBefore we proceed any further, hear"[:50]


class CharTok:
    """A minimal char tokenizer (ids 0..3 special), so the benchmark needs no corpus."""

    kind = "char"
    eos_id = -1  # no end of text: a random model would otherwise stop at a random EOS

    def __init__(self):
        self.ids = {c: i + 4 for i, c in enumerate(CHARS)}
        self.vocab_size = 4 + len(CHARS)

    def encode(self, text):
        return [self.ids.get(c, 3) for c in text]

    def decode(self, ids):
        return "".join(CHARS[i - 4] if i >= 4 else "\ufffd" if i == 3 else "" for i in ids)


def build(cell: str) -> LanguageModel:
    torch.manual_seed(0)
    cfg = LMConfig(vocab_size=4 + len(CHARS), cell=cell, embed=128, hidden=512, layers=2,
                   dropout=0.0)
    return LanguageModel(cfg).eval()


class Setting:
    """Threads and the oneDNN switch for one option, restored afterwards."""

    def __init__(self, threads: int, onednn: bool):
        self.threads, self.onednn = threads, onednn

    def __enter__(self):
        self._before = torch.get_num_threads(), torch._C._get_mkldnn_enabled()
        torch.set_num_threads(self.threads)
        torch._C._set_mkldnn_enabled(self.onednn)
        self._mode = torch.inference_mode()
        self._mode.__enter__()

    def __exit__(self, *exc):
        self._mode.__exit__(*exc)
        torch.set_num_threads(self._before[0])
        torch._C._set_mkldnn_enabled(self._before[1])


def step_options(model: LanguageModel, default_threads: int) -> dict:
    """name -> (setting, step function) for one token at batch 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notices
        qdyn = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {nn.LSTM, nn.GRU, nn.Linear}, dtype=torch.qint8).eval()
    fp32 = prepare_for_generation(model, mode="fp32")
    int8 = prepare_for_generation(model, mode="quantized")
    tok = torch.tensor([10])
    with torch.inference_mode():
        state = model.init_state(1)
        fast_state = fp32.init_state(1)

    def module():
        model(tok[:, None], state)

    def cell():
        model.step(tok, state)

    def qdyn_step():
        qdyn.step(tok, state)

    def ours_fp32():
        fp32.step(tok, fast_state)

    def ours_int8():
        int8.step(tok, fast_state)

    return {
        f"fp32_module_onednn_on_{default_threads}_threads": (Setting(default_threads, True), module),
        "fp32_module_onednn_on_1_thread": (Setting(1, True), module),
        "fp32_module_onednn_off_1_thread": (Setting(1, False), module),
        "fp32_module_onednn_off_2_threads": (Setting(2, False), module),
        "fp32_cell_step_1_thread": (Setting(1, True), cell),
        "fp32_cell_step_onednn_off_1_thread": (Setting(1, False), cell),
        "fp32_cell_step_2_threads": (Setting(2, True), cell),
        "quantize_dynamic_1_thread": (Setting(1, True), qdyn_step),
        "quantize_dynamic_2_threads": (Setting(2, True), qdyn_step),
        "ours_fp32_1_thread": (Setting(1, True), ours_fp32),
        "ours_fp32_2_threads": (Setting(2, True), ours_fp32),
        "ours_int8_1_thread": (Setting(1, True), ours_int8),
        "ours_int8_onednn_off_1_thread": (Setting(1, False), ours_int8),
        "ours_int8_2_threads": (Setting(2, True), ours_int8),
    }


def time_options(options: dict, rounds: int, seconds_per_round: float) -> dict:
    """Interleaved rounds; each round runs every option for about ``seconds_per_round``.

    ``cpu_min`` is process CPU time per token (all threads, spinning included):
    for one thread it is close to what a quiet machine's wall clock would show.
    """
    times: dict[str, list[float]] = {name: [] for name in options}
    cpu: dict[str, list[float]] = {name: [] for name in options}
    counts = {}
    for name, (setting, fn) in options.items():  # warm up, size the rounds
        with setting:
            for _ in range(5):
                fn()
            t = time.perf_counter()
            for _ in range(20):
                fn()
            per = (time.perf_counter() - t) / 20
        counts[name] = max(10, int(seconds_per_round / per))
    for _ in range(rounds):
        for name, (setting, fn) in options.items():
            n = counts[name]
            with setting:
                t, c = time.perf_counter(), time.process_time()
                for _ in range(n):
                    fn()
                times[name].append((time.perf_counter() - t) / n * 1e3)
                cpu[name].append((time.process_time() - c) / n * 1e3)
    return {name: {"min": round(min(v), 4), "median": round(statistics.median(v), 4),
                   "cpu_min": round(min(cpu[name]), 4)}
            for name, v in times.items()}


def accuracy(model: LanguageModel) -> dict:
    """int8 copies vs the fp32 model over 300 teacher-forced tokens."""
    ids = torch.randint(4, model.cfg.vocab_size, (1, 300), generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qdyn = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {nn.LSTM, nn.GRU, nn.Linear}, dtype=torch.qint8).eval()
    int8 = prepare_for_generation(model, mode="quantized")
    with torch.inference_mode(), scoped_threads(1):
        ref, _, _ = model(ids)                                  # (1, T, V)
        ours, theirs, s1, s2 = [], [], None, model.init_state(1)
        for t in range(ids.shape[1]):
            a, s1 = int8.step(ids[:, t], s1)
            b, s2 = qdyn.step(ids[:, t], s2)
            ours.append(a)
            theirs.append(b)
        ours, theirs = torch.stack(ours, 1), torch.stack(theirs, 1)
    top = ref.argmax(-1)
    return {
        "ours_int8_max_abs_diff": float((ours - ref).abs().max()),
        "quantize_dynamic_max_abs_diff": float((theirs - ref).abs().max()),
        "fp32_logit_max_abs": float(ref.abs().max()),
        "ours_argmax_agreement": float((ours.argmax(-1) == top).float().mean()),
        "quantize_dynamic_argmax_agreement": float((theirs.argmax(-1) == top).float().mean()),
    }


def end_to_end(model: LanguageModel, tokens: int, reps: int) -> dict:
    """The default copy through ``generate_stream``: first piece latency and steady speed."""
    tok = CharTok()
    prepare, first, per_token, cpu = [], [], [], []
    fast = None
    for rep in range(reps):
        t0 = time.perf_counter()
        fast = prepare_for_generation(model)
        t1 = time.perf_counter()
        stream = generate_stream(fast, tok, PROMPT, GenerationConfig(
            max_tokens=tokens, temperature=0.8, seed=rep))
        next(stream)
        t2, c2 = time.perf_counter(), time.process_time()
        n = 1 + sum(1 for _ in stream)  # char tokenizer: one piece per token, no EOS
        t3, c3 = time.perf_counter(), time.process_time()
        cpu.append((c3 - c2) * 1e3 / max(1, n - 1))
        prepare.append((t1 - t0) * 1e3)
        first.append((t2 - t1) * 1e3)
        per_token.append((t3 - t2) * 1e3 / max(1, n - 1))
    best = min(per_token)
    return {
        "mode": fast.mode,
        "threads_after": fast.describe(),
        "generate_stream_ms_per_token": {"min": round(best, 4),
                                         "median": round(statistics.median(per_token), 4),
                                         "cpu_min": round(min(cpu), 4)},
        "tokens_per_s": round(1e3 / best),
        "tokens_per_s_median": round(1e3 / statistics.median(per_token)),
        "first_token_ms": {
            "prepare_ms": round(statistics.median(prepare), 2),
            "prompt_and_first_ms": round(statistics.median(first), 2),
            "total": round(statistics.median(prepare) + statistics.median(first), 2),
            "prompt_chars": len(PROMPT),
        },
    }


def on_cuda(tokens: int) -> dict:
    """The LanguageModel itself on a GPU (no fast copy): batch 1 and a batch of 16."""
    model = build("lstm").cuda()
    tok = CharTok()
    cfg = GenerationConfig(max_tokens=tokens, temperature=0.8, seed=0)
    for _ in generate_stream(model, tok, PROMPT, GenerationConfig(max_tokens=50)):
        pass  # warm up kernels
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    stream = generate_stream(model, tok, PROMPT, cfg)
    next(stream)
    t1 = time.perf_counter()
    n = 1 + sum(1 for _ in stream)
    t2 = time.perf_counter()
    batch = GenerationConfig(max_tokens=tokens, temperature=0.8, seed=0, num_samples=16)
    t3 = time.perf_counter()
    texts = generate(model, tok, PROMPT, batch)
    t4 = time.perf_counter()
    return {
        "device": torch.cuda.get_device_name(),
        "batch1_ms_per_token": round((t2 - t1) * 1e3 / (n - 1), 4),
        "batch1_first_token_ms": round((t1 - t0) * 1e3, 2),
        "batch16_tokens_per_s": round(sum(map(len, texts)) / (t4 - t3)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    args = parser.parse_args()
    rounds, seconds = (3, 0.1) if args.quick else (9, 0.25)
    default_threads = torch.get_num_threads()
    out: dict = {
        "torch": torch.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "default_threads": default_threads,
        "quantized_engine": torch.backends.quantized.engine,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    for cell in ("lstm", "gru"):
        model = build(cell)
        out[cell] = {
            "ms_per_token": time_options(step_options(model, default_threads), rounds, seconds),
            "default": end_to_end(model, 2000 if not args.quick else 500, 5 if not args.quick else 2),
            "int8_vs_fp32": accuracy(model),
        }
    if torch.cuda.is_available():
        out["cuda_module"] = on_cuda(500 if args.quick else 2000)
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
