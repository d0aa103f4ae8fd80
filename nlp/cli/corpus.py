"""``python main.py corpus inspect PATH``: statistics of a corpus, as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from nlp.data.corpus import TextOptions
from nlp.data.pairs import PairFilter, read_pairs
from nlp.data.stats import CorpusStats, PairStats, TextStats, compute_stats, pair_stats
from nlp.errors import ConfigError

_BAR_WIDTH = 40


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``corpus`` and its sub-commands."""
    corpus = subparsers.add_parser("corpus", help="look at a corpus before training on it",
                                   description="Commands about corpora (your text files).")
    corpus.set_defaults(handler=lambda args: _print_help(corpus))
    sub = corpus.add_subparsers(dest="corpus_command", metavar="SUBCOMMAND")
    inspect = sub.add_parser(
        "inspect", help="show statistics of a corpus (lines, characters, words, lengths)",
        description="Read a corpus as training would (encoding, normalization, filters) "
        "and show its statistics. PATH is a text file, a .gz, or a folder: its text files "
        "are taken by their content, whatever their names (--include/--exclude choose "
        "among them), and binary, empty or undecodable ones are skipped and listed. With "
        "--pairs-with or --tsv it is a parallel corpus.",
    )
    inspect.add_argument("path", metavar="PATH", help="file or folder to inspect")
    _add_pair_flags(inspect)
    _add_text_flags(inspect)
    inspect.add_argument("--top", type=int, default=20, metavar="N",
                         help="how many of the most frequent characters to show (default 20)")
    inspect.add_argument("--bins", type=int, default=20, metavar="N",
                         help="most bins in the length histograms (default 20)")
    inspect.add_argument("--json", action="store_true", help="print the statistics as JSON")
    inspect.set_defaults(handler=run_inspect)


def _add_pair_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--pairs-with", metavar="PATH",
                       help="a second, line-aligned file: PATH and this file form pairs")
    group.add_argument("--tsv", action="store_true",
                       help="PATH holds tab-separated pairs (Tatoeba/manythings format)")
    parser.add_argument("--columns", type=int, nargs=2, metavar=("SRC", "TGT"), default=None,
                        help="with --tsv: the two columns to pair, counted from 0 (default 0 1)")
    parser.add_argument("--max-len", type=int, metavar="N",
                        help="drop pairs with a side longer than N characters")
    parser.add_argument("--max-words", type=int, metavar="N",
                        help="drop pairs with a side of more than N words")
    parser.add_argument("--max-ratio", type=float, metavar="R",
                        help="drop pairs whose longer side is over R times the shorter (characters)")
    parser.add_argument("--keep-empty", action="store_true", help="keep pairs with an empty side")
    parser.add_argument("--dedupe", action="store_true", help="drop repeated identical pairs")


def _add_text_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", metavar="ENC",
                        help="the files' encoding, e.g. cp1252 (default: detected per file)")
    parser.add_argument("--replace-errors", action="store_true",
                        help="replace undecodable bytes with U+FFFD (and count them)")
    add_file_flags(parser)
    parser.add_argument("--lowercase", action="store_true", help="lowercase the text")
    parser.add_argument("--no-nfc", action="store_true",
                        help="keep the text's Unicode normalization as it is (default: NFC)")


def add_file_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--include``, ``--exclude`` and ``--strict``: which files of a folder are read."""
    parser.add_argument("--include", action="append", default=[], metavar="GLOB",
                        help="read only a folder's files matching GLOB (name or relative "
                        "path, e.g. '*.py'); repeat or separate with commas for several")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="leave out a folder's files matching GLOB (e.g. 'tests/*')")
    parser.add_argument("--strict", action="store_true",
                        help="stop at a folder's first binary, empty or undecodable file "
                        "instead of skipping it")


def patterns_from(values: list[str] | None) -> tuple[str, ...]:
    """Glob patterns from repeated, comma-separated flags."""
    return tuple(p.strip() for value in values or () for p in value.split(",") if p.strip())


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def text_options_from(args: argparse.Namespace) -> TextOptions:
    """:class:`TextOptions` from the text flags."""
    return TextOptions(encoding=args.encoding, replace_errors=args.replace_errors,
                       nfc=not args.no_nfc, lowercase=args.lowercase,
                       include=patterns_from(args.include), exclude=patterns_from(args.exclude),
                       strict=args.strict)


def run_inspect(args: argparse.Namespace) -> int:
    options = text_options_from(args)
    if args.columns is not None and not args.tsv:
        raise ConfigError("--columns only applies with --tsv")
    if args.pairs_with or args.tsv:
        pair_filter = PairFilter(max_len=args.max_len, max_words=args.max_words,
                                 max_ratio=args.max_ratio, drop_empty=not args.keep_empty,
                                 dedupe=args.dedupe)
        source = (args.path, args.pairs_with) if args.pairs_with else args.path
        result = read_pairs(source, args.columns or (0, 1), options, pair_filter)
        stats: CorpusStats | PairStats = pair_stats(result, args.top, args.bins)
    else:
        stats = compute_stats(args.path, options, args.top, args.bins)
    if args.json:
        _out(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2))
    elif isinstance(stats, PairStats):
        _out(format_pair_stats(stats, _side_labels(args)))
    else:
        _out(format_corpus_stats(stats))
    return 0


def _side_labels(args: argparse.Namespace) -> tuple[str, str]:
    if args.pairs_with:
        return f"source: {args.path}", f"target: {args.pairs_with}"
    src, tgt = args.columns or (0, 1)
    return f"source: column {src}", f"target: column {tgt}"


def format_corpus_stats(stats: CorpusStats) -> str:
    files = len(stats.files)
    lines = [
        f"corpus      {stats.source}",
        f"files       {files:,} read ({stats.bytes:,} bytes on disk), "
        f"{len(stats.skipped):,} skipped ({stats.skipped_bytes:,} bytes)",
    ]
    lines += [f"encoding    {text}" for text in encoding_summary(stats)]
    if stats.replacements:
        lines.append(f"replaced    {stats.replacements:,} undecodable byte sequence(s) with U+FFFD")
    lines += [f"warning     {text}" for text in stats.warnings]
    if stats.skipped:
        lines.append("skipped files:")
        lines += [f"  {s.file}: {s.reason}" for s in stats.skipped]
    return "\n".join(lines + [""] + format_text_stats(stats.text))


def encoding_summary(stats: CorpusStats) -> list[str]:
    """One line per encoding: how many files, how it was found, the lowest confidence."""
    groups: dict[tuple[str, str], list[float]] = {}
    for d in stats.detections:
        groups.setdefault((d.encoding, d.how), []).append(d.confidence)
    how_words = {"chosen": "chosen", "bom": "byte-order mark", "utf-8": "valid UTF-8",
                 "detected": "detected"}
    out = []
    for (encoding, how), confidences in sorted(groups.items()):
        sure = f", confidence {min(confidences):.0%}" if how == "detected" else ""
        count = f"{len(confidences):,} file(s): " if len(stats.detections) > 1 else ""
        out.append(f"{count}{encoding} ({how_words.get(how, how)}{sure})")
    return out


def format_pair_stats(stats: PairStats, labels: tuple[str, str] = ("source", "target")) -> str:
    dropped = ", ".join(f"{k} {v:,}" for k, v in stats.dropped.items() if v) or "none"
    lines = [
        f"pairs       {stats.pairs:,} (read {stats.read:,}; dropped: {dropped})",
        f"from        {' + '.join(stats.sources)} ({', '.join(stats.encodings)})",
    ]
    if stats.replacements:
        lines.append(f"replaced    {stats.replacements:,} undecodable byte sequence(s) with U+FFFD")
    for label, side in zip(labels, (stats.source_side, stats.target_side), strict=True):
        lines += ["", f"== {label} =="] + format_text_stats(side)
    return "\n".join(lines)


def format_text_stats(stats: TextStats) -> list[str]:
    lines = [
        f"lines                {stats.lines:>14,}",
        f"characters           {stats.characters:>14,}",
        f"words                {stats.words:>14,}",
        f"distinct characters  {stats.distinct_characters:>14,}",
        f"line length          mean {stats.mean_line_length:.1f}, max {stats.max_line_length:,}",
        "most frequent characters:",
    ]
    cells = [f"{_show_char(ch)} {count:,}" for ch, count in stats.top_characters]
    lines += ["  " + "   ".join(cells[i:i + 5]) for i in range(0, len(cells), 5)]
    lines.append("line length (characters):")
    return lines + _bar_chart(stats.line_lengths.bins)


def _bar_chart(bins: tuple[tuple[int, int, int], ...]) -> list[str]:
    peak = max((count for _, _, count in bins), default=0) or 1
    labels = [f"{low:,}" if low == high else f"{low:,}-{high:,}" for low, high, _ in bins]
    width = max(map(len, labels), default=0)
    return [f"  {label:>{width}} |{'#' * round(_BAR_WIDTH * count / peak):<{_BAR_WIDTH}} {count:,}"
            for label, (_, _, count) in zip(labels, bins, strict=True)]


def _show_char(ch: str) -> str:
    """A character as a reader can see it: quoted, or escaped when invisible."""
    if ch == " " or not unicodedata.category(ch).startswith(("C", "Z")):
        return f"'{ch}'"
    return repr(ch) if ch in "\n\t\r" else f"U+{ord(ch):04X}"


def _out(text: str) -> None:
    """Print, escaping what the console's encoding cannot show."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        print(text)
    except UnicodeEncodeError:
        print(text.encode(encoding, "backslashreplace").decode(encoding))
