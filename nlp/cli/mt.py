"""CLI: ``train mt``, ``translate`` and ``evaluate mt`` (the parser of ``evaluate`` is in ``nlp.cli.lm``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator

from nlp.cli.common import (
    add_budget_and_device,
    add_precision_flag,
    add_text_options,
    add_workspace_flag,
    budget_from,
    check_resume_flags,
    fixed_train_flags,
    print_recipe,
    run_trainer,
    subcommand_group,
    text_options_from,
    train_config_from,
    workspace_from,
)
from nlp.errors import StudioError
from nlp.runs.workspace import Workspace
from nlp.training.progress import ConsoleProgress

log = logging.getLogger(__name__)

STREAM_CHUNK = 500  # stdin lines translated together (sorted by length inside)


def mt_recipe_from(args):
    """(data spec, model dict, training config, recipe) of ``train mt``: the recipe for
    the pairs, budget and device, with every flag given in place of its part."""
    from nlp.tasks.mt.session import MTDataSpec, planned_mt

    if not args.pairs and not (args.src and args.tgt):
        raise StudioError("give the training pairs with --pairs FILE.tsv or --src FILE "
                          "--tgt FILE, or continue a run with --resume RUN")
    fixed = {"cell": args.cell, "layers": args.layers, "hidden": args.hidden,
             "embed": args.embed, "dropout": args.dropout, "tied": args.tied,
             "attention": args.attention, "vocab_size": args.vocab, "score": args.score,
             "eval_sentences": args.eval_sentences, **fixed_train_flags(args)}
    spec = MTDataSpec(pairs=args.pairs, columns=tuple(args.columns), src=args.src, tgt=args.tgt,
                      valid_pairs=args.valid_pairs, valid_src=args.valid_src,
                      valid_tgt=args.valid_tgt, joint_vocab=args.joint_vocab,
                      subword_type=args.subword_type, val_fraction=args.val_fraction,
                      options=text_options_from(args), filter={"max_len": args.max_len},
                      batch_tokens=args.batch_tokens, eval_beam=args.eval_beam)
    spec, model, _, recipe = planned_mt(spec, budget_from(args), args.device, fixed,
                                        {"label_smoothing": args.label_smoothing,
                                         "scheduled_sampling": args.sampling})
    return spec, model, train_config_from(args, recipe), recipe


def cmd_train_mt(args) -> int:
    from nlp.tasks.mt.session import default_mt_run_name, new_mt_training, resume_mt_training

    ws = Workspace(workspace_from(args))
    progress = ConsoleProgress()
    if args.resume:
        check_resume_flags(args)
        trainer, run = resume_mt_training(ws, args.resume, args.minutes, (progress,))
        return run_trainer(trainer, run)
    spec, model, train, recipe = mt_recipe_from(args)
    print(f"workspace: {ws.root}", file=sys.stderr)
    print_recipe(recipe)
    name = args.name or default_mt_run_name(spec, model["cell"])
    trainer, run = new_mt_training(ws, name, spec, model, train, (progress,),
                                   recipe=recipe.to_dict())
    return run_trainer(trainer, run)


def _input_lines(args) -> Iterator[list[str]]:
    """The texts to translate, in chunks: TEXT as one input, else stdin line by line."""
    if args.text is not None:
        yield [args.text]
        return
    chunk: list[str] = []
    for line in sys.stdin:
        chunk.append(line.rstrip("\r\n"))
        if len(chunk) >= STREAM_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _attention_record(source: str, result) -> dict:
    return {"source": source, "translation": result.text, "src_tokens": result.src_tokens,
            "tgt_tokens": result.tgt_tokens,
            "attention": [[round(float(w), 4) for w in row] for row in result.attention]}


def cmd_translate(args) -> int:
    from nlp.tasks.mt.task import load_translator
    from nlp.training.devices import set_threads

    set_threads(args.threads)
    run = Workspace(workspace_from(args)).resolve(args.run)
    translator = load_translator(run, args.checkpoint, args.device, precision=args.precision)
    print(f"translating with {translator.checkpoint} of run {run.name!r}", file=sys.stderr)
    records, number = [], 0
    for texts in _input_lines(args):
        results = translator.translate(texts, beam=args.beam, n_best=args.n_best,
                                       alpha=args.alpha, no_repeat_ngram=args.no_repeat_ngram,
                                       attention=args.attention is not None)
        for text, result in zip(texts, results, strict=True):
            if args.n_best > 1:
                for hyp, score in result.n_best:
                    print(f"{number} ||| {hyp} ||| {score:.4f}")
            else:
                print(result.text)
            if args.attention is not None:
                records.append(_attention_record(text, result))
            number += 1
        sys.stdout.flush()
    if args.attention is not None:
        try:
            with open(args.attention, "w", encoding="utf-8") as f:
                json.dump(records, f, ensure_ascii=False)
        except OSError as exc:
            raise StudioError(f"cannot write the attention file {args.attention}: {exc}") from exc
    return 0


def evaluate_mt(args, ref: str) -> int:
    """``evaluate mt RUN --src FILE --ref FILE [--beam K]``: BLEU, chrF, TER, signatures."""
    from nlp.data.corpus import TextOptions
    from nlp.data.pairs import PairFilter, read_pairs
    from nlp.tasks.mt.scores import score_translations
    from nlp.tasks.mt.task import load_translator

    if not args.src or not args.ref:
        raise StudioError("give the test set with --src FILE --ref FILE (one sentence per "
                          "line, the same number of lines)")
    run = Workspace(workspace_from(args)).resolve(ref)
    translator = load_translator(run, args.checkpoint, args.device, precision=args.precision)
    print(f"checkpoint\t{translator.checkpoint}", file=sys.stderr)
    options = TextOptions.from_dict(text_options_from(args))
    pairs = read_pairs((args.src, args.ref), options=options,
                       pair_filter=PairFilter(drop_empty=False)).pairs
    results = translator.translate([s for s, _ in pairs], beam=args.beam, attention=False)
    scores = score_translations([r.text for r in results], [t for _, t in pairs])
    print(f"BLEU\t{scores.bleu:.2f}")
    print(f"chrF\t{scores.chrf:.2f}")
    print(f"TER\t{scores.ter:.2f}")
    for name, signature in scores.signatures.items():
        print(f"{name} signature\t{signature}")
    return 0


def _add_train_parser(sub) -> None:
    train = subcommand_group(sub, "train", "train a language model or a translator")
    p = train.add_parser("mt", help="train a GRU/LSTM translator with attention",
                         description="Train a sequence-to-sequence translator on sentence "
                                     "pairs (a TSV file or two aligned files).")
    g = p.add_argument_group("sentence pairs")
    g.add_argument("--pairs", help="TSV file, one pair per line")
    g.add_argument("--columns", type=int, nargs=2, default=(0, 1), metavar=("SRC", "TGT"),
                   help="TSV columns of source and target, from 0 (default 0 1)")
    g.add_argument("--src", help="source sentences, one per line (with --tgt)")
    g.add_argument("--tgt", help="target sentences, line-aligned with --src")
    g.add_argument("--valid-pairs", help="validation TSV (default: split off --val-fraction)")
    g.add_argument("--valid-src", help="validation source file (with --valid-tgt)")
    g.add_argument("--valid-tgt", help="validation target file")
    g.add_argument("--val-fraction", type=float, default=0.05)
    g.add_argument("--max-len", type=int, default=400,
                   help="drop training pairs with a side longer than this many characters")
    p.add_argument("--resume", metavar="RUN", help="continue a run (by name or path)")
    p.add_argument("--name", help="name of the new run (default: pairs-mt-cell-date)")
    g = p.add_argument_group("tokens and model")
    g.add_argument("--joint-vocab", action="store_true",
                   help="one subword vocabulary (and embedding) for both languages")
    g.add_argument("--vocab", type=int, help="subword vocabulary size per side (default: by "
                   "the number of pairs, 1,000 to 16,000)")
    g.add_argument("--subword-type", choices=("bpe", "unigram"), default="bpe")
    g.add_argument("--cell", choices=("gru", "lstm"), default="gru")
    g.add_argument("--attention", choices=("bahdanau", "luong"), default="bahdanau")
    g.add_argument("--layers", type=int, help="encoder and decoder layers (default 1)")
    g.add_argument("--hidden", type=int, help="default: the recipe's, 128 to 768")
    g.add_argument("--embed", type=int)
    g.add_argument("--dropout", type=float)
    g.add_argument("--tied", action=argparse.BooleanOptionalAction,
                   help="tie target embedding and output layer (default: tied)")
    g.add_argument("--label-smoothing", type=float, default=0.1)
    g.add_argument("--sampling", type=float, default=0.0,
                   help="scheduled sampling: probability of feeding the model's own prediction")
    g = p.add_argument_group("evaluation")
    g.add_argument("--score", choices=("chrf", "bleu", "val_loss"),
                   help="what picks the best checkpoint (default chrf: it stays informative "
                        "when BLEU is 0, on one- or two-word targets)")
    g.add_argument("--eval-sentences", type=int,
                   help="validation pairs translated for BLEU at each evaluation")
    g.add_argument("--eval-beam", type=int, default=1, help="1 = greedy")
    g.add_argument("--batch-tokens", type=int,
                   help="batch by padded tokens instead of --batch-size sentences")
    add_text_options(p)
    add_budget_and_device(p)
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_train_mt)


def register(sub) -> None:
    _add_train_parser(sub)
    p = sub.add_parser("translate", help="translate text with a trained translator",
                       description="Translate TEXT, or each line of stdin to one line of "
                                   "stdout; only translations go to stdout.")
    p.add_argument("run", help="run name or folder")
    p.add_argument("text", nargs="?", help="text to translate (default: read stdin)")
    p.add_argument("--beam", type=int, default=5, help="beam size (1 = greedy)")
    p.add_argument("--n-best", type=int, default=1,
                   help="print N hypotheses per input as 'LINE ||| TEXT ||| SCORE'")
    p.add_argument("--alpha", type=float, default=0.6, help="length penalty exponent")
    p.add_argument("--no-repeat-ngram", type=int, default=0,
                   help="forbid repeating n-grams of this many tokens (0 = off)")
    p.add_argument("--attention", metavar="FILE.json",
                   help="also write the tokens and attention weights of each translation")
    p.add_argument("--checkpoint", default="best", help="best, last or step-N")
    p.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto")
    add_precision_flag(p)
    p.add_argument("--threads", type=int, help="CPU threads")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_translate)
