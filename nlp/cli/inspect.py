"""CLI: ``inspect RUN --text TEXT [--out FILE.json|FILE.png]``: look inside a model.

For a language model it prints, for each feature of the text (inside quotes,
position in the line, ...), the units of the chosen gate and layer that follow
it most closely; for a translator, each sentence's beam alternatives with
their scores. ``--out FILE.json`` writes everything (every gate of every
layer at every token, or every alternative's attention); ``--out FILE.png``
draws the text coloured by the chosen units, or the attention.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.cli.common import add_workspace_flag, pictures, workspace_from
from nlp.errors import ConfigError, StudioError
from nlp.runs.workspace import Workspace

OUT_KINDS = (".json", ".png")
MAX_PICTURE_UNITS = 8


def _read_text(args) -> str:
    if args.text is not None:
        return args.text
    if args.file is not None:
        from nlp.data.corpus import TextOptions, iter_text

        return "".join(iter_text(Path(args.file), TextOptions()))
    raise StudioError("give the text to inspect with --text TEXT or --file FILE")


def _check_out(out: Path | None) -> None:
    if out is not None and out.suffix.lower() not in OUT_KINDS:
        raise StudioError(f"--out must end in .json (everything) or .png (a picture), "
                          f"not {out.name!r}")


def _layer_index(layer: int | None, num_layers: int) -> int:
    """--layer counts from 1 (the bottom layer); none means the top one."""
    if layer is None:
        return num_layers - 1
    if not 1 <= layer <= num_layers:
        raise ConfigError(f"--layer must be from 1 to {num_layers}: this model has "
                          f"{num_layers} layer{'s' if num_layers > 1 else ''}")
    return layer - 1


def _check_units(units: list[int] | None, size: int, layer: int) -> None:
    for unit in units or ():
        if not 0 <= unit < size:
            raise ConfigError(f"unit {unit} is not in layer {layer + 1}, whose units are "
                              f"0 to {size - 1}")


def print_ranking(inspection, gate: str, layer: int, ranking: dict) -> None:
    """The table of units per feature, strongest first."""
    what = "characters" if inspection.level == "char" else "tokens"
    print(f"layer {layer + 1} of {inspection.num_layers}, {gate}: the units that follow "
          f"each feature over {len(inspection.pieces):,} {what} (Pearson r)")
    width = max(len(name) for name in ranking) + 2
    for feature, units in ranking.items():
        cells = "   ".join(f"unit {s.unit:>4} ({s.r:+.2f})" for s in units)
        print(f"  {feature:<{width}}{cells or '(does not vary in this text)'}")


def print_alternatives(inspection) -> None:
    for k, sentence in enumerate(inspection.sentences):
        print(f"sentence {k + 1}: {sentence.source}")
        print("     score  log-prob  translation")
        for alt in sentence.alternatives:
            print(f"  {alt.score:8.4f}  {alt.log_prob:8.3f}  {alt.text}")


def _write_json(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
    except OSError as exc:
        raise StudioError(f"cannot write {path}: {exc.strerror or exc}; choose a folder "
                          "you can write to") from exc


def cmd_inspect(args) -> int:
    from nlp.analysis.inspect import (
        LMInspection,
        inspect_text,
        load_for_inspection,
        rank_all,
        rank_units,
        strongest_units,
    )

    _check_out(args.out)
    if args.top < 1:
        raise ConfigError(f"--top must be 1 or more, not {args.top}")
    text = _read_text(args)
    run = Workspace(workspace_from(args)).resolve(args.run)
    loaded = load_for_inspection(run, args.checkpoint)
    n_best = args.n_best if args.n_best is not None else min(3, args.beam)
    result = inspect_text(loaded, text, args.beam, n_best)
    if result.note:
        print(f"note: {result.note}", file=sys.stderr)
    if isinstance(result, LMInspection):
        if result.unknown:
            print(f"note: {result.unknown} tokens of the text are not in the model's "
                  "vocabulary", file=sys.stderr)
        layer = _layer_index(args.layer, result.num_layers)
        ranking = rank_units(result, args.gate, layer, args.top)
        _check_units(args.units, result.layer_sizes[layer], layer)
        print_ranking(result, args.gate, layer, ranking)
        units = args.units or [s.unit for s in strongest_units(ranking, 4)] or [0]
    else:
        print_alternatives(result)
    if args.out is None:
        return 0
    if args.out.suffix.lower() == ".json":
        data = result.to_dict()
        if isinstance(result, LMInspection):
            data["rankings"] = rank_all(result, args.top)
        _write_json(args.out, data)
    elif isinstance(result, LMInspection):
        pictures().save_inspection(result, args.out, gate=args.gate, layer=layer,
                                   units=units[:MAX_PICTURE_UNITS])
    else:
        pictures().save_inspection(result, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "inspect", help="look inside a model: gates and units, or attention and beam",
        description="Run a text through a trained model. A language model: which units of "
                    "a gate follow features of the text (inside quotes, position in the "
                    "line, ...). A translator: the beam's alternatives and their attention.")
    p.add_argument("run", help="run name or folder")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--text", help="the text to read")
    source.add_argument("--file", help="read the text from this file")
    p.add_argument("--out", type=Path, help="FILE.json: everything; FILE.png: a picture of "
                   "the chosen units over the text, or of the attention")
    p.add_argument("--gate", default="hidden",
                   help="LSTM: hidden, cell, input, forget, output, candidate; GRU: hidden, "
                        "update, reset, candidate (default: hidden)")
    p.add_argument("--layer", type=int, help="1 = the bottom layer (default: the top one)")
    p.add_argument("--units", type=int, nargs="+", metavar="N",
                   help="units to draw in the picture (default: the strongest ones)")
    p.add_argument("--top", type=int, default=3, help="units listed per feature")
    p.add_argument("--beam", type=int, default=5, help="translators: beam size")
    p.add_argument("--n-best", type=int,
                   help="translators: alternatives to keep (default: 3, at most the beam)")
    p.add_argument("--checkpoint", default="best", help="best, last or step-N")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_inspect)
