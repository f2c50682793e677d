"""The ``collabnet`` command: one subcommand per stage."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__, config
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


def _team_cap(text: str) -> int | None:
    """``--author-max-team-size``: a whole number of at least 1, or ``none``."""
    if text.strip().lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (or 'none'), got {value}")
    return value


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="OpenAlex works -> tables, graphs, centrality, views",
        description="Read OpenAlex works in any form they are saved (JSON Lines, JSON arrays, "
        "API response pages; plain, .gz, .bz2 or .xz; harvest and snapshot folders; - for "
        "standard input) and write tables, graphs, centrality tables, interactive HTML, "
        "figures and manifest.json to DIR. Each stage is reported on standard error.",
    )
    p.add_argument(
        "works",
        nargs="+",
        metavar="WORKS",
        help="works file(s) or folder(s) (the form is read from the content); - reads stdin",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--skip-bad-records",
        action="store_true",
        help="skip malformed records (each is listed in manifest.json) instead of stopping",
    )
    p.add_argument("--overrides", metavar="CSV", help="a reporter's classification corrections")
    p.add_argument(
        "--max-team-size",
        type=int,
        metavar="N",
        help="works with more than N authors add no edges (they still count as works)",
    )
    p.add_argument(
        "--author-max-team-size",
        type=_team_cap,
        default=100,
        metavar="N",
        help="in the author graph, works with more than N authors add no ties (default 100: "
        "a consortium paper's authors are not each other's collaborators; 'none' keeps all). "
        "The institution and country graphs keep them, weighted 1/(n-1).",
    )
    p.add_argument("--min-weight", type=int, default=1, metavar="N", help="drop weaker edges")
    p.add_argument("--seed", type=int, default=0, help="seed for layouts and sampling")
    p.add_argument(
        "--pivots",
        type=int,
        metavar="K",
        help="pivots for estimated betweenness and closeness on graphs above 5,000 nodes "
        "(default 500, down to 100 on graphs of millions of ties)",
    )
    p.add_argument(
        "--data-source",
        choices=["openalex-api", "openalex-snapshot", "synthetic-demo"],
        help="where the works came from (default: detected)",
    )
    p.add_argument("--no-views", action="store_true", help="skip HTML and figures")
    p.add_argument(
        "--quiet", action="store_true", help="no stage lines or progress bars, only the summary"
    )
    p.set_defaults(func=_cmd_build)


def _cmd_build(args: argparse.Namespace) -> int:
    from . import pipeline
    from .progress import Progress

    started = time.perf_counter()
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UserError(f"--out {args.out} is a file, not a folder: name a folder for the outputs")
    if args.pivots is not None and args.pivots < 1:
        raise UserError(f"--pivots must be at least 1, got {args.pivots}")

    manifest = pipeline.run_build(
        args.works,
        args.out,
        skip_bad_records=args.skip_bad_records,
        overrides=args.overrides,
        max_team_size=args.max_team_size,
        min_weight=args.min_weight,
        author_max_team_size=args.author_max_team_size,
        seed=args.seed,
        pivots=args.pivots,
        data_source=args.data_source,
        views=not args.no_views,
        progress=Progress(enabled=not args.quiet),
    )
    counts = manifest["tables"]["counts"]
    graphs = manifest["graphs"]
    print(
        f"{counts['works']} works from {counts['files']} file(s) "
        f"({counts['duplicates_dropped']} duplicates dropped, "
        f"{counts['bad_records_skipped']} bad records skipped, {counts['files_skipped']} "
        f"other files not read), {counts['authorships']} authorships "
        f"({counts['authorships_without_institution']} without an OpenAlex institution, "
        f"{counts['authorships_without_author_id']} without an OpenAlex author id)"
    )
    for level in pipeline.LEVELS:
        print(f"graph_{level}: {graphs[level]['nodes']} nodes, {graphs[level]['edges']} edges")
    print(
        f"wrote {args.out}/ in {time.perf_counter() - started:.0f} s "
        f"(data_source: {manifest['data_source']})"
    )
    if not args.no_views:
        print(f"open first: {args.out}/network_institutions.html")
    return 0


# --- demo (the notebook suite on the bundled corpus) --------------------------------------


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the notebooks headless on the bundled demo corpus")
    p.add_argument("--out", default="outputs/demo", metavar="DIR", help="output folder")
    p.add_argument("--only", action="append", metavar="NN", help="run only notebooks NN-...")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import suite

    out = Path(args.out).resolve()
    started = time.perf_counter()
    suite.run_notebooks(out, only=args.only)
    print(f"done in {time.perf_counter() - started:.0f} s; outputs in {out}/")
    first = out / "network_institutions.html"
    if first.is_file():
        print(f"open first: {first} (the interactive institution map)")
    if (out / "how_close.csv").is_file():
        print(f"then: {out}/how_close.csv and {out}/notebooks/05-how-close.ipynb")
    return 0


def _add_demo_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-data", help="regenerate the synthetic demo corpus (seeded)")
    p.add_argument("--out", default=None, metavar="FILE", help="default: data/demo/works.jsonl.gz")
    p.add_argument("--works", type=int, default=3200, metavar="N", help="ordinary works")
    p.set_defaults(func=_cmd_demo_data)


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from . import config, demo

    path = demo.write_demo_corpus(args.out or config.DEMO_WORKS, args.works)
    print(f"wrote {path}")
    return 0


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
    p = sub.add_parser(
        "paths",
        help="shortest evidence paths between nodes, with the works",
        description="Print the k shortest paths from one node to another (or to the nearest "
        "nodes of a category), with the works (id, DOI, year, title) behind every hop. "
        "Nodes may be given as OpenAlex id, ROR or name. Paths are shortest on the "
        "distance 1/tie strength: strong ties are short. Tie strength is Newman's fractional "
        "count unless --counting full; each work shows its number of authors, and a hop "
        "resting only on works of more than 25 authors is marked as consortium papers only.",
    )
    p.add_argument("--tables", required=True, metavar="DIR", help="a `collabnet build` folder")
    p.add_argument("--from", dest="source", required=True, metavar="NODE")
    to = p.add_mutually_exclusive_group(required=True)
    to.add_argument("--to", dest="target", metavar="NODE")
    to.add_argument(
        "--to-category",
        dest="target_category",
        choices=config.CATEGORIES,
        metavar="CAT",
        help=f"a watchlist category: {', '.join(config.CATEGORIES)}",
    )
    p.add_argument("--level", choices=("institution", "author"), default="institution")
    p.add_argument("--k", type=int, default=3, help="number of paths (default 3)")
    p.add_argument(
        "--counting",
        choices=("fractional", "full"),
        default="fractional",
        help="tie strength behind distances: fractional (default; a work of n co-authoring "
        "nodes adds 1/(n-1), so consortium papers count little) or full (joint works)",
    )
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
        G,
        args.source,
        args.target,
        target_category=args.target_category,
        k=args.k,
        works=works,
        counting=args.counting,
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
        hops = f"{path['length']} hop" + ("s" if path["length"] != 1 else "")
        print(
            f"Path {i}: {' -> '.join(path['labels'])}  "
            f"({hops}, distance {path['distance']:.3g}{tie})"
        )
        labels = dict(zip(path["nodes"], path["labels"], strict=True))
        for hop in path["hops"]:
            flag = "  [consortium papers only]" if hop["consortium_only"] else ""
            print(
                f"  {labels[hop['source']]} -- {labels[hop['target']]}: "
                f"{len(hop['works'])} joint work(s){flag}"
            )
            for w in hop["works"]:
                year = w["publication_year"] if w["publication_year"] is not None else "----"
                team = f"{w['n_authors']} authors  " if w.get("n_authors") is not None else ""
                print(
                    f"    {w['work_id']}  {year}  {team}{w['doi'] or '(no DOI)'}  "
                    f"{w['title'] or ''}"
                )
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
    for add in (_add_fetch, _add_build, _add_classify, _add_paths, _add_demo, _add_demo_data):
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
    except BrokenPipeError:  # e.g. `collabnet paths ... | head`: the reader has gone, not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    except KeyboardInterrupt:
        print(f"collabnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
