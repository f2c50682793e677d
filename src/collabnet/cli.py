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
    p = sub.add_parser(
        "fetch",
        help="harvest works from OpenAlex into a folder (resumable)",
        description="Harvest every work with an author at one of the institutions (and, with "
        "--with-country, an author in one of those countries) into DIR, one Work per line in "
        "works/*.jsonl.gz, with the query log in DIR/manifest.json. Needs OPENALEX_API_KEY "
        "(environment or .env). Run the same command again to resume or to reuse the harvest.",
        epilog="example: collabnet fetch --out data/raw/nl-cn --ror 018906e22 --ror 05xvt9f17 "
        "--ror 027bh9e22 --with-country CN --years 2010-2024",
    )
    p.add_argument("--out", metavar="DIR", help="harvest folder (default: `out` in the query file)")
    p.add_argument("--ror", action="append", metavar="ROR", help="institution ROR id (repeatable)")
    p.add_argument(
        "--institution",
        action="append",
        metavar="OPENALEX_ID",
        help="OpenAlex institution id such as I121797337 (repeatable)",
    )
    p.add_argument(
        "--with-country",
        action="append",
        metavar="CC",
        help="also require an author in this country, e.g. CN (repeatable: any of them)",
    )
    p.add_argument("--years", metavar="FROM-TO", help="publication years, e.g. 2010-2024")
    p.add_argument("--search", metavar="TEXT", help="full-text search (costs 10x a list call)")
    p.add_argument(
        "--match",
        choices=("lineage", "ror"),
        help="lineage (default): include sub-units of the institutions; ror: exact ROR only",
    )
    p.add_argument(
        "--query-file",
        metavar="FILE",
        help="TOML or YAML query; options given on the command line replace its values",
    )
    p.add_argument(
        "--refresh", action="store_true", help="delete DIR's previous harvest and fetch again"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_fetch)


def _cmd_fetch(args: argparse.Namespace) -> int:
    import dataclasses
    import logging

    from . import openalex

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.query_file:
        query = openalex.load_query_file(args.query_file)
    else:
        query = None
    given = {
        "rors": args.ror,
        "institutions": args.institution,
        "with_countries": args.with_country,
        "years": args.years,
        "search": args.search,
        "match": args.match,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if query is None:
        query = openalex.HarvestQuery(**given)
    elif given:
        query = dataclasses.replace(query, **given)
    out = args.out or query.out
    if not out:
        raise UserError("say where the harvest goes: --out DIR (or `out` in the query file)")
    try:
        manifest = openalex.fetch_works(
            query, out, refresh=args.refresh, progress=not args.no_progress
        )
    except KeyboardInterrupt:
        print(
            f"collabnet fetch: stopped; what arrived is saved in {out}. "
            "Run the same command again to continue.",
            file=sys.stderr,
        )
        raise
    print(
        f"{manifest['unique_works']} unique works ({manifest['works_received']} received, "
        f"{manifest['truncated_refetched']} re-fetched with full author lists) in {out}; "
        f"query log: {out}/manifest.json"
    )
    for m in manifest["count_mismatches"]:
        print(
            f"warning: query {m['n']}: OpenAlex announced {m['meta_count']} works, "
            f"{m['unique_works']} unique arrived",
            file=sys.stderr,
        )
    return 0


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
