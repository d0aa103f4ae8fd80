"""CLI: ``runs list``."""

from __future__ import annotations

import json
import time

from nlp.cli import add_workspace_flag, subcommand_group, workspace_from
from nlp.progress import format_metrics
from nlp.runs import Workspace


def cmd_list(args) -> int:
    runs = Workspace(workspace_from(args)).list_runs()
    if args.json:
        print(json.dumps([r.to_dict() for r in runs], indent=1, default=str))
        return 0
    if not runs:
        print(f"no runs in {workspace_from(args)}")
        return 0
    print(f"{'name':32} {'task':4} {'cell':5} {'steps':>8}  {'created':16}  best")
    for r in runs:
        cell = r.config.get("model", {}).get("cell", "")
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)) if r.created else ""
        best = f"damaged: {r.error}" if r.error else format_metrics(r.best)
        print(f"{r.name[:32]:32} {r.task:4} {cell:5} {r.step:>8}  {created:16}  {best}")
    return 0


def register(sub) -> None:
    runs = subcommand_group(sub, "runs", "list and manage runs")
    p = runs.add_parser("list", help="list runs with their best scores")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_workspace_flag(p)
    p.set_defaults(handler=cmd_list)
