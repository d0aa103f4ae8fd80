"""CLI: ``train lm``, ``generate``, ``evaluate`` for language models."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

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

def lm_recipe_from(args, cell: str | None = None):
    """(data spec, model dict, training config, recipe) of ``train lm`` and the
    experiment commands: the recipe for the corpus, budget and device, with every
    model and optimisation flag given on the command line in place of its part."""
    from nlp.tasks.lm.session import planned_lm

    if not args.corpus:
        raise StudioError("give the corpus to train on with --corpus FILE, or --resume RUN")
    fixed = {"cell": cell or args.cell, "layers": args.layers, "hidden": args.hidden,
             "embed": args.embed, "dropout": args.dropout, "tied": args.tied,
             "seq_len": args.seq_len, "vocab_size": args.vocab,
             "hidden_sizes": getattr(args, "hidden_sizes", None), **fixed_train_flags(args)}
    spec, model, _, recipe = planned_lm(args.corpus, args.level, budget_from(args),
                                        args.device, fixed, args.valid,
                                        text_options_from(args), args.subword_type,
                                        args.batches)
    model.setdefault("hidden_sizes", None)
    return spec, model, train_config_from(args, recipe), recipe


def cmd_train_lm(args) -> int:
    from nlp.tasks.lm.session import default_run_name, new_lm_training, resume_lm_training

    ws = Workspace(workspace_from(args))
    progress = ConsoleProgress()
    if args.resume:
        check_resume_flags(args)
        trainer, run = resume_lm_training(ws, args.resume, args.minutes, (progress,))
        return run_trainer(trainer, run)
    if not args.corpus:
        raise StudioError("give the corpus to train on with --corpus FILE, or --resume RUN")
    print(f"workspace: {ws.root}", file=sys.stderr)
    spec, model, train, recipe = lm_recipe_from(args)
    print_recipe(recipe)
    name = args.name or default_run_name(args.corpus, model["cell"])
    trainer, run = new_lm_training(ws, name, spec, model, train, (progress,),
                                   recipe=recipe.to_dict())
    return run_trainer(trainer, run)


def add_lm_model_flags(p: argparse.ArgumentParser) -> None:
    """Tokens and model flags of a language model; each defaults to the recipe's."""
    g = p.add_argument_group("tokens and model (default: the recipe's)")
    g.add_argument("--vocab", type=int, help="subword vocabulary size (default: by corpus "
                   "size, 1,000 to 16,000)")
    g.add_argument("--subword-type", choices=("bpe", "unigram"), default="bpe")
    g.add_argument("--layers", type=int)
    g.add_argument("--hidden", type=int)
    g.add_argument("--embed", type=int)
    g.add_argument("--dropout", type=float)
    g.add_argument("--tied", action=argparse.BooleanOptionalAction,
                   help="tie input and output embeddings (default: tied for subwords)")
    g.add_argument("--seq-len", type=int, help="truncated-BPTT length")
    g.add_argument("--batches", choices=("stream", "random"), default="stream",
                   help="contiguous streams (hidden state carried) or random windows")


# GenerationConfig fields as the flags of ``generate`` that set them: its checks
# speak of "GenerationConfig.max_tokens", a name the person never typed.
GENERATE_FLAGS = {"max_tokens": "--max-tokens", "temperature": "--temperature",
                  "top_k": "--top-k", "top_p": "--top-p",
                  "repetition_penalty": "--repetition-penalty", "stop": "--stop",
                  "seed": "--seed"}


def generation_config_from(args):
    """The ``GenerationConfig`` of ``generate``'s flags (stop texts with their escapes
    read); a bad value is an error that names the flag."""
    from nlp.decoding.generation import GenerationConfig
    from nlp.decoding.text import unescape_stop
    from nlp.errors import ConfigError

    try:
        return GenerationConfig(max_tokens=args.max_tokens, temperature=args.temperature,
                                top_k=args.top_k, top_p=args.top_p,
                                repetition_penalty=args.repetition_penalty,
                                stop=tuple(unescape_stop(s) for s in args.stop or ()),
                                seed=args.seed)
    except ConfigError as exc:
        message = str(exc)
        for field, flag in GENERATE_FLAGS.items():
            message = message.replace(f"GenerationConfig.{field} ", f"{flag} ")
        message = message.replace("use temperature 0", "use --temperature 0")
        raise ConfigError(message) from exc


def cmd_generate(args) -> int:
    from nlp.decoding.generation import generate_stream
    from nlp.decoding.text import unknown_characters
    from nlp.tasks.lm.task import load_lm

    cfg = generation_config_from(args)  # before loading: a mistyped flag fails at once
    run = Workspace(workspace_from(args)).resolve(args.run)
    model, tokenizer, _ = load_lm(run, args.checkpoint)
    unknown = unknown_characters(tokenizer, args.prompt)
    if unknown:
        print(f"note: {unknown.describe()}", file=sys.stderr)
    if next(model.parameters()).device.type == "cpu":
        from nlp.decoding.fast_inference import prepare_for_generation

        model = prepare_for_generation(model, mode=args.mode)
    stream = generate_stream(model, tokenizer, args.prompt, cfg)
    for piece in stream:
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    if stream.ended:
        print(f"note: {ending_words(stream.ended, stream.tokens, args.max_tokens)}",
              file=sys.stderr)
    return 0


def ending_words(ended: str, tokens: int, max_tokens: int) -> str:
    """Why a sample ended before its ``max_tokens``, in words."""
    return {"eos": f"the model ended the text with its end-of-text token after {tokens:,} of "
                   f"{max_tokens:,} tokens",
            "stop": f"the sample reached a stop text after {tokens:,} of {max_tokens:,} tokens "
                    "(the stop text is left out)",
            "stopped": f"generation was stopped after {tokens:,} of {max_tokens:,} tokens"
            }.get(ended, ended)


def cmd_evaluate(args) -> int:
    what = args.target
    if len(what) == 2 and what[0] in ("lm", "mt"):
        kind, ref = what
    elif len(what) == 1:
        kind, ref = "lm", what[0]
    else:
        raise StudioError("usage: evaluate [lm|mt] RUN ...")
    if kind == "mt":
        from nlp.cli.mt import evaluate_mt

        return evaluate_mt(args, ref)
    if not args.corpus:
        raise StudioError("give the text to score with --corpus FILE")
    from nlp.data.corpus import TextOptions, iter_text
    from nlp.data.token_store import encode_to_store
    from nlp.tasks.lm.task import evaluate_lm, load_lm
    from nlp.training.devices import pick_device
    from nlp.training.progress import format_metrics

    run = Workspace(workspace_from(args)).resolve(ref)
    model, tokenizer, _ = load_lm(run, args.checkpoint)
    model.to(pick_device(args.device))
    options = TextOptions.from_dict(text_options_from(args))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        info = encode_to_store(iter_text(Path(args.corpus), options), tokenizer,
                               Path(tmp) / "eval.npy")
        import numpy as np

        ids = np.load(Path(tmp) / "eval.npy", mmap_mode="r")
        scores = evaluate_lm(model, ids, info.n_chars, info.n_words)
        del ids
    if info.n_unknown:
        print(f"note: {info.n_unknown} tokens of the text were not in the model's vocabulary",
              file=sys.stderr)
    for key, value in scores.items():
        print(f"{key}\t{value:.4f}")
    log.debug("evaluation: %s", format_metrics(scores))
    return 0


def register(sub) -> None:
    train = subcommand_group(sub, "train", "train a language model or a translator")
    p = train.add_parser("lm", help="train a character or subword language model",
                         description="Train an LSTM or GRU language model on your text.")
    p.add_argument("--corpus", help="a .txt file, a folder of them, or .gz")
    p.add_argument("--valid", help="a validation file (default: the last 10%% of the corpus)")
    p.add_argument("--resume", metavar="RUN", help="continue a run (by name or path)")
    p.add_argument("--name", help="name of the new run (default: corpus-cell-date)")
    p.add_argument("--level", choices=("char", "subword"), default="char")
    add_lm_model_flags(p)
    p.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    p.add_argument("--hidden-sizes", type=int, nargs="+", metavar="N",
                   help="one size per layer, as a Keras stack (overrides --layers/--hidden)")
    add_text_options(p)
    add_budget_and_device(p)
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_train_lm)

    p = sub.add_parser("generate", help="generate text from a trained language model",
                       description="Generate text; only the text goes to stdout.")
    p.add_argument("run", help="run name or folder")
    p.add_argument("--prompt", default="", help="text to start from")
    p.add_argument("--max-tokens", type=int, default=300,
                   help="tokens to make, 1 to 1,000,000 (characters for a character "
                        "model; default: 300)")
    p.add_argument("--temperature", type=float, default=0.8,
                   help="0 to 10: 0 always picks the most likely token, higher is wilder "
                        "(default: 0.8)")
    p.add_argument("--top-k", type=int, help="sample among the k most likely tokens (0: all)")
    p.add_argument("--top-p", type=float,
                   help="sample among the likeliest tokens holding this much probability, "
                        "above 0 up to 1 (1: all)")
    p.add_argument("--repetition-penalty", type=float, default=1.0,
                   help="1 to 10: makes recently used tokens less likely (1: off; 1.1-1.3 "
                        "is typical)")
    p.add_argument("--stop", action="append", metavar="TEXT",
                   help="end the sample where this text appears (left out of the output); "
                        "give it more than once for several. \\n is a line break, \\t a "
                        "tab and \\\\ a backslash, so --stop '\\n\\n' stops at a blank "
                        "line")
    p.add_argument("--seed", type=int, help="a whole number from 0: the same seed, prompt "
                   "and settings give the same text (default: random)")
    p.add_argument("--checkpoint", default="best", help="best, last or step-N")
    p.add_argument("--mode", choices=("auto", "quantized", "fp32"), default="auto",
                   help="CPU generation: int8 weights where they agree with fp32 (auto), "
                        "always int8, or plain fp32")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_generate)

    p = sub.add_parser("evaluate", help="score a model on a text (lm) or a test set (mt)",
                       description="evaluate [lm] RUN --corpus FILE, or "
                                   "evaluate mt RUN --src FILE --ref FILE [--beam K]")
    p.add_argument("target", nargs="+", metavar="[lm|mt] RUN")
    p.add_argument("--corpus", help="text to score (language models)")
    p.add_argument("--src", help="source sentences, one per line (translators)")
    p.add_argument("--ref", help="reference translations, one per line (translators)")
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--checkpoint", default="best", help="best, last or step-N")
    add_precision_flag(p)  # translators
    p.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto")
    add_text_options(p)
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_evaluate)
