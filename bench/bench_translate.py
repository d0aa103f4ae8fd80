"""Translation decoding speed: batched beam search vs one sentence at a time, as JSON.

    .venv/bin/python bench/bench_translate.py --run RUN [--workspace DIR] [--source FILE]
    .venv/bin/python bench/bench_translate.py                               # random 256-wide model

Translates the first ``--sentences`` (200) lines of ``--source`` (default: the
English side of ``corpora/numbers-en-fr/test.tsv``) with beam ``--beam`` (5) twice with the same
model: all at once (``Translator.translate`` sorts them by length and decodes
batches, beams as rows) and one ``translate([s])`` call per sentence. Reports
sentences/s of each (the best of ``--rounds`` timings), their ratio (target
>= 10x), and how many outputs agree.
Greedy decoding is measured the same way. Without ``--run`` the model has
random weights and a joint 1,000-piece tokenizer trained on the sample corpus:
such a model never emits EOS, so every sentence decodes to its maximum length
(2 x source + 10), the worst case for both ways.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from models.seq2seq import Seq2SeqConfig, build_model  # noqa: E402
from nlp.cli.common import DECODING_PRECISIONS  # noqa: E402
from nlp.data.tokenizers import SubwordTokenizer  # noqa: E402
from nlp.decoding.translator import Translator  # noqa: E402
from nlp.training.devices import device_description, pick_device  # noqa: E402

SAMPLE = ROOT / "corpora" / "numbers-en-fr"


def sample_sentences(n: int, source: str | None = None) -> list[str]:
    """The first ``n`` lines of ``source`` (one sentence per line), or the English
    side of the sample corpus's test split."""
    if source:
        return [s for s in Path(source).read_text(encoding="utf-8").splitlines() if s][:n]
    lines = (SAMPLE / "test.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines[:n]]


def random_translator(hidden: int, precision: str, attention: str, device: str
                      ) -> tuple[Translator, str]:
    text = (SAMPLE / "train.tsv").read_text(encoding="utf-8").replace("\t", "\n")
    tok = SubwordTokenizer.train([text], vocab_size=1000)
    torch.manual_seed(0)
    model = build_model(Seq2SeqConfig(src_vocab=tok.vocab_size, tgt_vocab=tok.vocab_size,
                                      embed=hidden, hidden=hidden, joint_vocab=True,
                                      attention=attention)).eval().to(pick_device(device))
    return (Translator(model, tok, tok, precision=precision),
            f"random weights, {hidden} wide, {attention} attention, vocab {tok.vocab_size}")


def trained_translator(run: str, workspace: str | None, precision: str, device: str
                       ) -> tuple[Translator, str]:
    from nlp.paths import default_workspace
    from nlp.runs.workspace import Workspace
    from nlp.tasks.mt.task import load_translator

    ws = Workspace(Path(workspace) if workspace else default_workspace())
    translator = load_translator(ws.resolve(run), "best", device, precision=precision)
    return translator, f"run {run}: {translator.model.cfg.to_dict()}"


def timed(fn, rounds: int) -> tuple[float, list[str]]:
    """The best of ``rounds`` runs (the least disturbed by other processes)."""
    best, out = float("inf"), []
    for _ in range(rounds):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def compare(translator: Translator, sentences: list[str], beam: int, rounds: int) -> dict:
    def batched():
        return [r.text for r in translator.translate(sentences, beam=beam, attention=False)]

    def one_by_one():
        return [translator.translate([s], beam=beam, attention=False)[0].text for s in sentences]

    translator.translate(sentences[:8], beam=beam)  # warm-up
    t_batch, out_batch = timed(batched, rounds)
    t_single, out_single = timed(one_by_one, rounds)
    n = len(sentences)
    return {"batched_sentences_per_s": round(n / t_batch, 2),
            "one_at_a_time_sentences_per_s": round(n / t_single, 2),
            "speedup": round(t_single / t_batch, 2),
            "batched_s": round(t_batch, 3), "one_at_a_time_s": round(t_single, 3),
            "same_output": sum(a == b for a, b in zip(out_batch, out_single, strict=True)),
            "mean_output_words": round(sum(len(o.split()) for o in out_batch) / n, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="a trained translator run (name or folder)")
    parser.add_argument("--workspace")
    parser.add_argument("--source", help="sentences to translate, one per line (default: "
                        "the sample corpus's English test sentences)")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=256, help="random model width")
    parser.add_argument("--attention", default="bahdanau", choices=("bahdanau", "luong"),
                        help="random model's attention")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many timings")
    parser.add_argument("--precision", default="auto", choices=DECODING_PRECISIONS,
                        help="the decoder's matrix products (both ways alike)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.run:
        translator, model = trained_translator(args.run, args.workspace, args.precision,
                                               args.device)
    else:
        translator, model = random_translator(args.hidden, args.precision, args.attention,
                                              args.device)
    sentences = sample_sentences(args.sentences, args.source)
    report = {"model": model, "source": args.source or "corpora/numbers-en-fr/test.tsv",
              "sentences": len(sentences), "threads": args.threads,
              "device": device_description(translator.device),
              "precision": translator.precision.name,
              "torch": torch.__version__, "machine": platform.processor() or platform.machine(),
              f"beam{args.beam}": compare(translator, sentences, args.beam, args.rounds),
              "greedy": compare(translator, sentences, 1, args.rounds)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
