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


def _at_least_one(text: str) -> int:
    """An option's whole number of at least 1 (argparse names the option in its error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _team_cap(text: str) -> int | None:
    """``--author-max-team-size``: a whole number of at least 1, or ``none``."""
    return None if text.strip().lower() == "none" else _at_least_one(text)


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
        type=_at_least_one,
        metavar="N",
        help="works with more than N authors add no edges (they still count as works)",
    )
    p.add_argument(
        "--author-max-team-size",
        type=_team_cap,
        default=config.AUTHOR_MAX_TEAM_SIZE,
        metavar="N",
        help="in the author graph, works with more than N authors add no ties (default 100: "
        "a consortium paper's authors are not each other's collaborators; 'none' keeps all). "
        "The institution and country graphs keep them, weighted 1/(n-1).",
    )
    p.add_argument(
        "--min-weight", type=_at_least_one, default=1, metavar="N", help="drop weaker edges"
    )
    p.add_argument(
        "--counting",
        choices=("fractional", "full"),
        default="fractional",
        help="tie strength behind betweenness and closeness distances: fractional (default; "
        "a work of n co-authoring nodes adds 1/(n-1)) or full (joint works)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for layouts and sampling")
    p.add_argument(
        "--pivots",
        type=_at_least_one,
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
    p.add_argument(
        "--force",
        action="store_true",
        help="build into a non-empty folder that holds no collabnet build (its files are "
        "left alone, never listed or removed)",
    )
    p.add_argument(
        "--keep-failed",
        action="store_true",
        help="keep the staging folder of a build that fails (its path is in the message)",
    )
    p.set_defaults(func=_cmd_build)


def _cmd_build(args: argparse.Namespace) -> int:
    from . import pipeline
    from .progress import Progress

    started = time.perf_counter()
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
        counting=args.counting,
        data_source=args.data_source,
        views=not args.no_views,
        force=args.force,
        keep_failed=args.keep_failed,
        progress=Progress(enabled=not args.quiet),
    )
    counts = manifest["tables"]["counts"]
    graphs = manifest["graphs"]
    print(pipeline.corpus_summary(counts))
    for skipped in manifest["tables"]["inputs_skipped"][:5]:
        print(f"  not read: {skipped['path']}: {skipped['reason']}")
    if len(manifest["tables"]["inputs_skipped"]) > 5:
        print(f"  ... {len(manifest['tables']['inputs_skipped']) - 5} more in manifest.json")
    for level in pipeline.LEVELS:
        g = graphs[level]
        note = ""
        if g["excluded_hyperauthored_works"]:
            note = (
                f" ({g['excluded_hyperauthored_works']:,} work(s) of more than "
                f"{g['max_team_size']:,} authors add no ties)"
            )
        print(f"graph_{level}: {g['nodes']:,} nodes, {g['edges']:,} ties{note}")
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
    p.add_argument(
        "--only",
        action="append",
        metavar="NN",
        help="run only the notebooks whose names start with NN, e.g. 05 (repeatable); "
        "one that matches no notebook is an error",
    )
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import suite
    from .terminal import quote

    out = Path(args.out).resolve()
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {quote(args.out)} is a file, not a folder: name a folder")
    suite.select_notebooks(args.only)  # a selection that matches nothing stops here
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
        description="Read affiliation strings, one per line, from standard input (UTF-8) and "
        "write one JSON object per line, as UTF-8 JSON Lines (input, category, entry, "
        "entry_name, rule, confidence, source, matched_text, and for an entry whose label "
        "depends on the date: category_dates, designations, category_date_flag, "
        "category_changes; see --year). Every input line gives one "
        "output line; a blank line gives category 'other' with rule 'none' (or the --country "
        "fallback). A line that is not valid UTF-8 is not classified: its object has category "
        "null, the line with its bad bytes written as \\xNN in input, and error saying "
        "where; the command then says so on standard error and exits with status 1.",
    )
    p.add_argument("--country", metavar="CC", help="country code hint, e.g. CN or NL")
    p.add_argument(
        "--year",
        type=int,
        metavar="YYYY",
        help="the publication year: an entry whose category changed at a date, or that was "
        "designated for a while, is labelled for that year (default: today's category, no "
        "designation)",
    )
    p.add_argument(
        "--registry", metavar="PATH", help="watchlist folder or file (default: data/watchlist)"
    )
    p.set_defaults(func=_cmd_classify)


def _add_watchlist_ids(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watchlist-ids",
        help="check the watchlist's OpenAlex ids against OpenAlex, by ROR",
        description="Ask OpenAlex which institution has each ROR id of the watchlist (one "
        "request for 100 RORs; needs OPENALEX_API_KEY) and say, per entry, whether its "
        "OpenAlex ids agree, should be added, differ, or whether OpenAlex does not know the "
        "ROR. Prints the entries to change as YAML lines to paste into data/watchlist after a "
        "check by hand; --out writes the whole report as CSV. Nothing is changed.",
    )
    p.add_argument(
        "--registry", metavar="PATH", help="watchlist folder or file (default: data/watchlist)"
    )
    p.add_argument("--out", metavar="FILE.csv", help="write the report here")
    p.set_defaults(func=_cmd_watchlist_ids)


def _cmd_watchlist_ids(args: argparse.Namespace) -> int:
    from . import openalex, watchlist
    from .export import write_table_csv
    from .terminal import escape

    reg = watchlist.load_registry(args.registry)
    rors = [r for e in reg.entries.values() if not e.negative for r in e.ror]
    found = openalex.institutions_by_ror(rors)
    report = watchlist.openalex_id_report(reg, found)
    counts = report["status"].value_counts()
    print(
        f"{len(reg.entries):,} entries, {len(set(rors)):,} ROR ids: "
        + ", ".join(f"{counts.get(k, 0):,} {k}" for k in ("agrees", "add", "differs",
                                                          "not in OpenAlex", "no ROR"))
    )  # fmt: skip
    for row in report[report["status"].isin(["add", "differs"])].itertuples(index=False):
        had = f"; registry has {row.registry_openalex}" if row.registry_openalex else ""
        print(escape(f"{row.entry}: openalex: [{row.openalex}]  # {row.openalex_name}{had}"))
    if args.out:
        write_table_csv(report, args.out)
        print(f"report: {escape(str(args.out))}")
    return 0


def _input_lines():
    """Standard input as ``(bytes, text, bad)`` per line.

    ``text`` is the decoded line, or None when it is not valid UTF-8; ``bad`` is then the
    offset of its first invalid byte.

    Lines end at \\n, \\r\\n or \\r, as in Python's text mode; a UTF-8 byte order mark
    before the first line is dropped.
    """
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (an embedding program's stream): back to its bytes
        chunks = (line.encode("utf-8", "surrogateescape") for line in sys.stdin)
    else:
        chunks = iter(stream)
    first = True
    for chunk in chunks:
        if first:
            chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
        chunk = chunk.removesuffix(b"\n").removesuffix(b"\r")
        for raw in chunk.split(b"\r"):
            try:
                yield raw, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield raw, None, exc.start


#: What `collabnet classify` adds for an entry whose label depends on the date.
_DATED_FIELDS = ("category_dates", "designations", "category_date_flag", "category_changes")
_CLASSIFY_FIELDS = (
    "category",
    "entry",
    "entry_name",
    "rule",
    "confidence",
    "source",
    "matched_text",
    *_DATED_FIELDS,
)


def _cmd_classify(args: argparse.Namespace) -> int:
    import json

    from .terminal import escape_json
    from .watchlist import label_in_year, load_registry

    registry = load_registry(args.registry)
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    bad: list[int] = []
    for n, (raw, text, at) in enumerate(_input_lines(), 1):
        if text is None:
            bad.append(n)
            record = {
                "input": raw.decode("utf-8", "backslashreplace"),
                **dict.fromkeys(_CLASSIFY_FIELDS),
                "error": f"line {n} is not valid UTF-8 (byte 0x{raw[at]:02x} at byte {at + 1}): "
                "not classified; save the input as UTF-8",
            }
        else:
            c, dated = label_in_year(
                registry.classify_affiliation(text, country_code=args.country), args.year, registry
            )
            record = {
                "input": text,
                "category": c.category,
                "entry": c.entry_id,
                "entry_name": c.entry_name,
                "rule": c.rule,
                "confidence": c.confidence,
                "source": c.source,
                "matched_text": c.matched_text,
                "category_dates": dated.dates if dated else "",
                "designations": dated.designations if dated else "",
                "category_date_flag": dated.flag if dated else "",
                "category_changes": registry.entries[c.entry_id].changes() if dated else "",
            }
        line = escape_json(json.dumps(record, ensure_ascii=False)) + "\n"
        if out is not None:
            out.write(line.encode("utf-8"))
        else:
            sys.stdout.write(line)
    (out or sys.stdout).flush()
    if bad:
        print(
            f"collabnet classify: {len(bad)} line(s) not valid UTF-8, not classified "
            f"(first: line {bad[0]}); their objects say so in 'error'",
            file=sys.stderr,
        )
        return 1
    return 0


# --- paths (evidence paths) ---------------------------------------------------------------


#: Most paths `collabnet paths` prints; :data:`collabnet.metrics.MAX_PATHS` (kept here so
#: that ``--help`` does not load the graph libraries; a test checks that they agree).
_MAX_PATHS = 100


def _add_paths(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "paths",
        help="shortest evidence paths between nodes, with the works",
        description="Print the k shortest paths from one node to another (or to the nearest "
        "nodes of a category), with the works (id, DOI, year, title) behind every hop. "
        "Nodes may be given as OpenAlex id, ROR or name. Paths are shortest on the "
        "distance 1/tie strength: strong ties are short. Tie strength is Newman's fractional "
        "count unless --counting full; each work shows its number of authors, and a hop "
        "resting only on works of more than 25 authors is marked as consortium papers only. "
        "Control and bidi-override characters in titles and labels are shown escaped "
        "(\\x1b, \\u202e); --json keeps them as JSON \\u escapes.",
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
    p.add_argument(
        "--k",
        type=int,
        default=3,
        metavar="N",
        help=f"number of paths, 1 to {_MAX_PATHS} (default 3). The limit bounds time and "
        "memory: each further path costs a search from every node of the one before, and past "
        "the first few they are long detours that add no evidence",
    )
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

    from .terminal import escape, escape_json, quote

    if not 1 <= args.k <= _MAX_PATHS:
        raise UserError(f"--k must be from 1 to {_MAX_PATHS} paths, got {args.k}")
    for option, value in (("--from", args.source), ("--to", args.target)):
        if value is not None and not value.strip():
            raise UserError(f"{option} is empty: give an OpenAlex id, ROR or name")

    from .metrics import evidence_paths

    try:
        from .pipeline import load_graph, load_tables
    except ImportError as exc:  # pragma: no cover - the pipeline ships with build
        raise UserError(f"cannot read build folders: {exc}") from exc
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
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"

    def say(text: str = "") -> None:
        # what the terminal's encoding cannot show is escaped too, not a crash
        print(text.encode(encoding, "backslashreplace").decode(encoding))

    if args.json:
        say(escape_json(json.dumps(paths, indent=2, ensure_ascii=False, default=str)))
        return 0 if paths else 1
    goal = quote(args.target) if args.target is not None else f"category {args.target_category}"
    if not paths:
        say(f"no path from {quote(args.source)} to {goal}")
        return 1
    for i, path in enumerate(paths, 1):
        tie = f", tied with {path['tied'] - 1} other(s)" if path["tied"] > 1 else ""
        hops = f"{path['length']} hop" + ("s" if path["length"] != 1 else "")
        say(
            f"Path {i}: {' -> '.join(escape(label) for label in path['labels'])}  "
            f"({hops}, distance {path['distance']:.3g}{tie})"
        )
        labels = dict(zip(path["nodes"], map(escape, path["labels"]), strict=True))
        for hop in path["hops"]:
            flag = "  [consortium papers only]" if hop["consortium_only"] else ""
            say(
                f"  {labels[hop['source']]} -- {labels[hop['target']]}: "
                f"{len(hop['works'])} joint work(s){flag}"
            )
            for w in hop["works"]:
                year = w["publication_year"] if w["publication_year"] is not None else "----"
                team = ""
                if w.get("n_authors") is not None:
                    team = f"{w['n_authors']} authors  "
                    if w.get("authors_truncated"):
                        team = f"{w['n_authors']}+ authors (list cut by OpenAlex)  "
                say(
                    f"    {escape(w['work_id'])}  {year}  {team}"
                    f"{escape(w['doi'] or '(no DOI)')}  {escape(w['title'] or '')}"
                )
        say()
    return 0


def _add_snapshot(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "snapshot",
        help="take the works of some institutions from a local copy of the OpenAlex snapshot",
        description="Scan the works of a local OpenAlex snapshot (the 2026 data/jsonl/works "
        "or data/parquet/works layout or the legacy data/works one, each checked against its "
        "manifest) and write "
        "those that match into DIR in the form a harvest takes: the records as they are, in "
        "works/part_NNNN.jsonl.gz, and manifest.json. A work matches when an authorship has an "
        "institution whose lineage holds one of the institutions (and, with --with-country, an "
        "authorship has an institution in one of those countries), as `collabnet fetch` asks "
        "the API. Run it again after the snapshot grows: only new partitions are read. Then: "
        "collabnet build DIR.",
        epilog="example: collabnet snapshot /data/openalex --out data/raw/nl-cn --ror 018906e22 "
        "--with-country CN --years 2010-2024",
    )
    p.add_argument("root", metavar="ROOT", help="the snapshot's folder (or its data/ folder)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the matching works")
    p.add_argument("--institution", action="append", default=[], metavar="OPENALEX_ID")
    p.add_argument("--ror", action="append", default=[], metavar="ROR")
    p.add_argument(
        "--country",
        action="append",
        default=[],
        metavar="CC",
        help="instead of institutions: any institution in this country",
    )
    p.add_argument("--with-country", action="append", default=[], metavar="CC")
    p.add_argument("--years", metavar="FROM-TO")
    from .snapshot import ENGINES, LAYOUTS  # light: the engines load when a scan starts

    p.add_argument("--engine", choices=ENGINES, default="duckdb")
    p.add_argument(
        "--layout",
        choices=LAYOUTS,
        help="the copy to read where the snapshot holds several (default: jsonl, whose "
        "records are the snapshot's text as published)",
    )
    p.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit (default: a quarter of this machine's memory), e.g. 8GB",
    )
    p.add_argument("--spark-master", metavar="URL", help="Spark master (default local[*])")
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="record missing or damaged parts in the manifest and go on",
    )
    p.add_argument("--quiet", action="store_true", help="only the summary line")
    p.set_defaults(func=_cmd_snapshot)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from . import snapshot
    from .terminal import escape

    query = snapshot.SnapshotQuery.of(
        institutions=args.institution,
        rors=args.ror,
        countries=args.country,
        with_countries=args.with_country,
        years=args.years,
    )

    def say(text: str) -> None:
        if not args.quiet:
            print(escape(text), file=sys.stderr, flush=True)

    m = snapshot.extract(
        args.root,
        args.out,
        query,
        engine=args.engine,
        layout=args.layout,
        allow_partial=args.allow_partial,
        memory_limit=args.memory_limit,
        spark_master=args.spark_master,
        progress=say,
    )
    log = m["queries"][-1]
    print(
        f"wrote {m['unique_works']:,} works to {escape(str(args.out))}/ from "
        f"{log['records_read']:,} read in {len(log['parts_read']):,} part(s) "
        f"({m['snapshot']['layout']} layout, {log['engine']['version']}, {log['seconds']} s)"
        + ("" if m["complete"] else f"; {len(m['problems'])} problem(s) in manifest.json")
    )
    print(f"then: collabnet build {escape(str(args.out))} --out outputs/<name>")
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
    for add in (
        _add_fetch,
        _add_snapshot,
        _add_build,
        _add_classify,
        _add_watchlist_ids,
        _add_paths,
        _add_demo,
        _add_demo_data,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``collabnet`` command; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CollabnetError as exc:
        from .terminal import escape

        # one line, and nothing from a file name or the data can steer the terminal
        print(f"collabnet {args.command}: error: {escape(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `collabnet paths ... | head`: the reader has gone, not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    except KeyboardInterrupt:
        print(f"collabnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
