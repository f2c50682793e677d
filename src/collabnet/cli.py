"""The ``collabnet`` command: one subcommand per stage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import CollabnetError

__all__ = ["main", "build_parser"]


class UserError(CollabnetError):
    """A command-line usage problem, printed without a traceback."""


# --- fetch (OpenAlex harvest) -------------------------------------------------------------


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch", help="harvest works from OpenAlex into a folder (resumable)")
    p.set_defaults(func=_cmd_fetch)


def _cmd_fetch(args: argparse.Namespace) -> int:
    raise UserError("fetch is not available yet")


# --- build (tables, graphs, metrics, views) -----------------------------------------------


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="works JSON Lines -> tables, graphs, centrality, views")
    p.set_defaults(func=_cmd_build)


def _cmd_build(args: argparse.Namespace) -> int:
    raise UserError("build is not available yet")


# --- classify (watchlist) -----------------------------------------------------------------


def _add_classify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classify", help="classify affiliation strings read from standard input")
    p.set_defaults(func=_cmd_classify)


def _cmd_classify(args: argparse.Namespace) -> int:
    raise UserError("classify is not available yet")


# --- paths (evidence paths) ---------------------------------------------------------------


def _add_paths(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "paths",
        help="shortest evidence paths between nodes, with the works",
        description="Print the k shortest paths from one node to another (or to the nearest "
        "nodes of a category), with the works (id, DOI, year, title) behind every hop. "
        "Nodes may be given as OpenAlex id, ROR or name. Paths are shortest on the "
        "distance 1/joint works: strong ties are short.",
    )
    p.add_argument("--tables", required=True, metavar="DIR", help="a `collabnet build` folder")
    p.add_argument("--from", dest="source", required=True, metavar="NODE")
    to = p.add_mutually_exclusive_group(required=True)
    to.add_argument("--to", dest="target", metavar="NODE")
    to.add_argument("--to-category", dest="target_category", metavar="CAT")
    p.add_argument("--level", choices=("institution", "author"), default="institution")
    p.add_argument("--k", type=int, default=3, help="number of paths (default 3)")
    p.add_argument("--json", action="store_true", help="print the paths as JSON")
    p.set_defaults(func=_cmd_paths)


def _cmd_paths(args: argparse.Namespace) -> int:
    import json

    from .metrics import evidence_paths

    try:
        from .pipeline import load_graph, load_tables
    except ImportError as exc:  # pragma: no cover - the pipeline ships with build
        raise UserError(f"cannot read build folders: {exc}") from exc
    if args.k < 1:
        raise UserError(f"--k must be at least 1, got {args.k}")
    G = load_graph(args.tables, args.level)
    works = load_tables(args.tables).get("works")
    paths = evidence_paths(
        G, args.source, args.target, target_category=args.target_category, k=args.k, works=works
    )
    if args.json:
        print(json.dumps(paths, indent=2, ensure_ascii=False, default=str))
        return 0 if paths else 1
    goal = args.target if args.target is not None else f"category {args.target_category}"
    if not paths:
        print(f"no path from {args.source} to {goal}")
        return 1
    for i, path in enumerate(paths, 1):
        tie = f", tied with {path['tied'] - 1} other(s)" if path["tied"] > 1 else ""
        print(
            f"Path {i}: {' -> '.join(path['labels'])}  "
            f"({path['length']} hops, distance {path['distance']:.3g}{tie})"
        )
        labels = dict(zip(path["nodes"], path["labels"], strict=True))
        for hop in path["hops"]:
            print(
                f"  {labels[hop['source']]} -- {labels[hop['target']]}: "
                f"{len(hop['works'])} joint work(s)"
            )
            for w in hop["works"]:
                year = w["publication_year"] if w["publication_year"] is not None else "----"
                print(f"    {w['work_id']}  {year}  {w['doi'] or '(no DOI)'}  {w['title'] or ''}")
        print()
    return 0


# --- entry point --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collabnet",
        description="Map research collaboration networks from OpenAlex, with the evidence "
        "(works, DOIs) behind every tie.",
    )
    parser.add_argument("--version", action="version", version=f"collabnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in (_add_fetch, _add_build, _add_classify, _add_paths):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``collabnet`` command; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CollabnetError as exc:
        print(f"collabnet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"collabnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
