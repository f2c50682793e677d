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
    p = sub.add_parser(
        "classify",
        help="classify affiliation strings read from standard input",
        description="Read affiliation strings, one per line, from standard input and write one "
        "JSON object per line (input, category, entry, entry_name, rule, confidence, source, "
        "matched_text). Every input line gives one output line; a blank line gives category "
        "'other' with rule 'none' (or the --country fallback).",
    )
    p.add_argument("--country", metavar="CC", help="country code hint, e.g. CN or NL")
    p.add_argument(
        "--registry", metavar="PATH", help="watchlist folder or file (default: data/watchlist)"
    )
    p.set_defaults(func=_cmd_classify)


def _cmd_classify(args: argparse.Namespace) -> int:
    import json

    from .watchlist import load_registry

    registry = load_registry(args.registry)
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        c = registry.classify_affiliation(text, country_code=args.country)
        record = {
            "input": text,
            "category": c.category,
            "entry": c.entry_id,
            "entry_name": c.entry_name,
            "rule": c.rule,
            "confidence": c.confidence,
            "source": c.source,
            "matched_text": c.matched_text,
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


# --- paths (evidence paths) ---------------------------------------------------------------


def _add_paths(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("paths", help="shortest evidence paths between nodes, with the works")
    p.set_defaults(func=_cmd_paths)


def _cmd_paths(args: argparse.Namespace) -> int:
    raise UserError("paths is not available yet")


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
