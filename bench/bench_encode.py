"""Encoding benchmark: tokenizer training time, encode speed and peak memory, as JSON.

    .venv/bin/python bench/bench_encode.py          # WikiText-2 train (10.8 MB)
    .venv/bin/python bench/bench_encode.py --big    # also a 200 MB corpus on disk

Each measurement runs in its own subprocess so its peak RSS is its own. Speeds
are in MB/s of UTF-8 input. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("RNN_STUDIO_CORPORA", ROOT.parent / "shared" / "corpora"))
WIKITEXT = CORPORA / "wikitext-2" / "train.txt.gz"
CHUNK = 1 << 20
BIG_BYTES = 200 * 10**6


def iter_chunks(path: Path) -> Iterator[str]:
    """~1 MB text chunks of a UTF-8 (optionally gzipped) file, each ending at a line end."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rest = ""
        while block := f.read(CHUNK):
            block = rest + block
            cut = block.rfind("\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
        if rest:
            yield rest


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- one measurement (runs in a child process) ------------------------------------

def measure(kind: str, corpus: Path, workdir: Path, preload: bool) -> dict:
    from nlp.data.token_store import encode_to_store
    from nlp.data.tokenizers import CharTokenizer, SubwordTokenizer

    result: dict = {"base_rss_MB": round(peak_rss_mb(), 1)}
    chunks = list(iter_chunks(corpus)) if preload else None
    source = (lambda: iter(chunks)) if preload else (lambda: iter_chunks(corpus))
    n_bytes = (sum(len(c.encode("utf-8")) for c in chunks) if preload
               else corpus.stat().st_size)
    t0 = time.perf_counter()
    if kind == "char":
        tok = CharTokenizer.train(source())
    else:
        model_type, vocab = kind.split("_")
        tok = SubwordTokenizer.train(source(), vocab_size=int(vocab), model_type=model_type)
        result["notes"] = list(tok.notes)
    result["train_s"] = round(time.perf_counter() - t0, 2)
    result["vocab_size"] = tok.vocab_size
    if preload:  # bare tokenizer speed, text already in memory
        t0 = time.perf_counter()
        n_tokens = sum(len(tok.encode_array(c)) for c in source())
        dt = time.perf_counter() - t0
        result.update(encode_s=round(dt, 2), encode_MBps=round(n_bytes / dt / 1e6, 1))
    t0 = time.perf_counter()
    info = encode_to_store(source(), tok, workdir / f"{kind}.npy", source_key=kind)
    dt = time.perf_counter() - t0
    result.update(store_s=round(dt, 2), store_MBps=round(n_bytes / dt / 1e6, 1),
                  tokens=info.n_tokens, words=info.n_words, unknown=info.n_unknown,
                  tokens_per_word=round(info.n_tokens / max(info.n_words, 1), 3),
                  store_MB=round((workdir / f"{kind}.npy").stat().st_size / 1e6, 1),
                  input_MB=round(n_bytes / 1e6, 1), peak_rss_MB=round(peak_rss_mb(), 1))
    if preload:
        assert n_tokens == info.n_tokens
    return result


def run_child(kind: str, corpus: Path, workdir: Path, preload: bool) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, "--corpus", str(corpus),
           "--workdir", str(workdir)] + (["--preload"] if preload else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout)


# --- the big corpus -----------------------------------------------------------------

def make_big_corpus(path: Path, n_bytes: int = BIG_BYTES, seed: int = 0) -> int:
    """Write ~n_bytes of WikiText-2 lines, reshuffled per copy, streamed to ``path``."""
    lines = [line for chunk in iter_chunks(WIKITEXT) for line in chunk.splitlines(True)]
    rng = random.Random(seed)
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        while written < n_bytes:
            rng.shuffle(lines)
            for line in lines:
                f.write(line)
                written += len(line.encode("utf-8"))
                if written >= n_bytes:
                    break
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also encode a 200 MB corpus")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--preload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.corpus, args.workdir, args.preload)))
        return 0
    if not WIKITEXT.is_file():
        print(json.dumps({"skipped": f"WikiText-2 not found at {WIKITEXT}; set "
                                     "RNN_STUDIO_CORPORA to the shared corpora folder"}))
        return 0
    import numpy
    import sentencepiece

    report: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "numpy": numpy.__version__,
                                "sentencepiece": sentencepiece.__version__}}
    kinds = ["char", "unigram_8000", "bpe_8000"]
    with tempfile.TemporaryDirectory(prefix="bench-encode-") as tmp:
        workdir = Path(tmp)
        report["wikitext2_train"] = {k: run_child(k, WIKITEXT, workdir, True) for k in kinds}
        if args.big:
            corpus = workdir / "big.txt"
            t0 = time.perf_counter()
            size = make_big_corpus(corpus)
            report["big"] = {"corpus_MB": round(size / 1e6, 1),
                             "generate_s": round(time.perf_counter() - t0, 1)}
            for kind in kinds:
                report["big"][kind] = run_child(kind, corpus, workdir, False)
                (workdir / f"{kind}.npy").unlink(missing_ok=True)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
