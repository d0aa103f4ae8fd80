"""CLI: ``runs list|rename|delete|export|import``: the Runs page, headless."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from nlp.cli.common import add_workspace_flag, subcommand_group, workspace_from
from nlp.errors import StudioError
from nlp.runs.workspace import SCORE_NAMES, Workspace
from nlp.training.metrics import word_ppl_is_meaningful
from nlp.training.progress import format_metrics


def cmd_list(args) -> int:
    runs = Workspace(workspace_from(args)).list_runs()
    if args.json:
        print(json.dumps([_json_row(r) for r in runs], indent=1, default=str))
        return 0
    if not runs:
        print(f"no runs in {workspace_from(args)}")
        return 0
    print(f"{'name':32} {'task':4} {'cell':5} {'steps':>8}  {'created':16}  best")
    for r in runs:
        cell = r.config.get("model", {}).get("cell", "")
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)) if r.created else ""
        best = f"damaged: {r.error}" if r.error else _best_text(r)
        print(f"{r.name[:32]:32} {r.task:4} {cell:5} {r.step:>8}  {created:16}  {best}")
    return 0


def _json_row(r) -> dict:
    """The summary as stored, and whether its word perplexity means anything (the
    plain list leaves out one that does not)."""
    row = r.to_dict()
    if "val_word_ppl" in r.best:
        row["word_ppl_meaningful"] = word_ppl_is_meaningful(r.best)
    return row


def _best_text(r) -> str:
    """'step 2,400 by validation chrF: loss 1.75, ppl 5.75, bleu 31.3, chrf 51.1'."""
    if not r.best:
        return r.no_best  # e.g. "stopped before its first evaluation"
    where = f"step {r.best_step:,} " if isinstance(r.best_step, int) else ""
    return f"{where}by {SCORE_NAMES.get(r.selected_by, r.selected_by)}: " \
           f"{format_metrics(r.best)}"


def cmd_rename(args) -> int:
    run = Workspace(workspace_from(args)).rename_run(args.name, args.new_name)
    print(f"renamed {args.name!r} to {run.name!r}")
    return 0


def cmd_delete(args) -> int:
    workspace = Workspace(workspace_from(args))
    path = workspace.folder_of(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise StudioError(f"deleting run {args.name!r} cannot be undone; add --yes to "
                              "confirm")
        answer = input(f"Delete run {args.name!r} ({path}) and all its checkpoints? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    workspace.delete_run(args.name)
    print(f"deleted {args.name!r}")
    return 0


def cmd_export(args) -> int:
    from nlp.runs.archive import SUFFIX, export_run

    run = Workspace(workspace_from(args)).resolve(args.name)
    dest = args.output if args.output is not None else Path(f"{run.name}{SUFFIX}")
    print(export_run(run, dest))
    return 0


def cmd_import(args) -> int:
    from nlp.runs.archive import import_run

    run = import_run(Workspace(workspace_from(args)), args.file, args.name)
    print(f"imported {args.file} as run {run.name!r}")
    return 0


def register(sub) -> None:
    runs = subcommand_group(sub, "runs", "list and manage runs")
    p = runs.add_parser("list", help="list runs with their best scores")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_list)

    p = runs.add_parser("rename", help="rename a run", description="Rename a run (not while "
                        "it trains).")
    p.add_argument("name", help="the run's current name")
    p.add_argument("new_name", help="its new name")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_rename)

    p = runs.add_parser("delete", help="delete a run and its checkpoints",
                        description="Delete a run and all its checkpoints (not while it "
                        "trains). Asks first, unless --yes.")
    p.add_argument("name", help="the run to delete")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_delete)

    p = runs.add_parser("export", help="write a run as one .rnnrun file",
                        description="Write a run (config, history, samples, best and last "
                        "checkpoints) as one .rnnrun file, to keep it or move it to another "
                        "machine.")
    p.add_argument("name", help="the run: its name, or the path of its folder")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="the file or folder to write (default: ./NAME.rnnrun)")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_export)

    p = runs.add_parser("import", help="add a run from a .rnnrun file",
                        description="Add a run from a .rnnrun file to the workspace. The file "
                        "is checked before anything is written, and its checkpoints are "
                        "verified; a run of the same name is kept, the new one becomes "
                        "NAME-2.")
    p.add_argument("file", type=Path, help="the .rnnrun file")
    p.add_argument("--name", default=None, help="name of the new run (default: its name "
                   "when exported)")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_import)
