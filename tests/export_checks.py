"""Read collabnet's exports back as their users' tools do, and say what those tools refuse.

- GEXF: graphology-gexf (Gephi's web cousins use it), strict, run by node (tests/js).
- VOSviewer map, network and JSON files: the checks VOSviewer Online runs when it opens
  them (its src/utils/errors.js, on files parsed by Papa Parse: tab-separated, ``"``
  quotes, numbers typed), plus "no line breaks inside a line" for readers that split
  lines the way Python's ``str.splitlines`` does.
- CSV: the csv module; every row as wide as the header; no cell a spreadsheet would run.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"
NODE = shutil.which("node")


def read_gexf_with_graphology(path) -> dict:
    """The graph graphology-gexf reads from `path` (``nodes``, ``edges``, ``type``);
    fails the test with the parser's message when it refuses the file."""
    if NODE is None:
        pytest.skip("node is not installed: the GEXF file is not read by graphology-gexf")
    if not (JS / "node_modules" / "graphology-gexf").is_dir():
        pytest.fail(
            f"{JS}/node_modules is missing: `make test` installs it "
            "(npm install --no-package-lock in tests/js)"
        )
    run = subprocess.run(
        [NODE, str(JS / "read_gexf.js"), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"graphology-gexf refuses {path}: {run.stderr.strip()}"
    return json.loads(run.stdout)


# --- VOSviewer -----------------------------------------------------------------------

# Papa Parse's dynamic typing: what it turns into a number ("" becomes null)
_PAPA_FLOAT = re.compile(r"^\s*-?(\d+\.?|\.\d+|\d+\.\d+)([eE][-+]?\d+)?\s*$")
_MAP_COLUMNS = {"id", "label", "description", "url", "x", "y", "cluster"}
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _typed(cell: str):
    if cell == "":
        return None
    if _PAPA_FLOAT.match(cell):
        return float(cell)
    return cell


def _rows(path, *, what: str) -> list[list[str]]:
    text = Path(path).read_text(encoding="utf-8")
    errors = []
    lines = text.splitlines()  # as a reader splitting at any line break would
    try:  # Papa Parse reports a stray quote ("Quotes"); strict csv raises on it
        rows = list(csv.reader(lines, delimiter="\t", quotechar='"', strict=True))
    except csv.Error as exc:
        return [], [f"{what}: incorrect use of quotes ({exc})"]
    return rows, errors


def vosviewer_map_errors(path) -> tuple[list[str], list]:
    """Problems VOSviewer finds in a map file, and the item ids (as read)."""
    rows, errors = _rows(path, what="map")
    if errors:
        return errors, []
    if not rows or not rows[0] or rows[0][0] == "":
        return ["map: header missing"], []
    header = rows[0]
    if len(set(header)) != len(header):
        errors.append(f"map: a column appears twice in {header}")
    for name in header:
        if name not in _MAP_COLUMNS and not re.fullmatch(r"(weight|score)<[^<>]+>", name):
            errors.append(f"map: unknown column {name!r}")
    if "id" not in header and "label" not in header:
        errors.append("map: neither id nor label column")
    items = rows[1:]
    for i, row in enumerate(items, start=2):
        if len(row) != len(header):
            errors.append(f"map line {i}: {len(row)} fields, header has {len(header)}")
    if len(items) < 3:
        errors.append(f"map: {len(items)} item(s), fewer than three")
    records = [dict(zip(header, map(_typed, row), strict=False)) for row in items]
    ids = [r.get("id") for r in records]
    if "id" in header:
        if any(x is None for x in ids):
            errors.append("map: an empty id")
        if len(set(ids)) != len(ids):
            errors.append("map: ids not unique")
    for i, r in enumerate(records, start=2):
        for axis in ("x", "y"):
            if axis in r and not isinstance(r[axis], float):
                errors.append(f"map line {i}: {axis} {r[axis]!r} is not a number")
        cluster = r.get("cluster")
        if cluster is not None and not (
            isinstance(cluster, float) and cluster.is_integer() and 1 <= cluster <= 1000
        ):
            errors.append(f"map line {i}: cluster {cluster!r} is not an integer 1-1000")
        for key, value in r.items():
            if key.startswith("weight<") and not (isinstance(value, float) and value >= 0):
                errors.append(f"map line {i}: {key} {value!r} is not a number >= 0")
            if key.startswith("score<") and not (value is None or isinstance(value, float)):
                errors.append(f"map line {i}: {key} {value!r} is not a number")
    return errors, ids


def vosviewer_network_errors(path, ids) -> list[str]:
    """Problems VOSviewer finds in a network file whose map has item ids `ids`."""
    rows, errors = _rows(path, what="network")
    if errors:
        return errors
    if not rows:
        return []
    width = len(rows[0])
    if width not in (2, 3):
        errors.append(f"network: {width} columns, not two or three")
    known = set(ids)
    for i, row in enumerate(rows, start=1):
        if len(row) != width:
            errors.append(f"network line {i}: {len(row)} fields, the first line has {width}")
            continue
        a, b = (_typed(c) for c in row[:2])
        if a is None or b is None or a not in known or b not in known:
            errors.append(f"network line {i}: ids {row[:2]} not both in the map")
        if width == 3:
            strength = _typed(row[2])
            if not (isinstance(strength, float) and strength > 0):
                errors.append(f"network line {i}: strength {row[2]!r} is not positive")
    return errors


def vosviewer_json_errors(path) -> list[str]:
    """Problems VOSviewer finds in a VOSviewer JSON file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    network = data.get("network")
    if not isinstance(network, dict):
        return ["json: no network object"]
    items, links = network.get("items") or [], network.get("links") or []
    errors = []
    if not items and not links:
        return ["json: empty"]
    if len(items) < 3:
        errors.append(f"json: {len(items)} item(s), fewer than three")
    ids = [item.get("id") for item in items]
    if any(x is None or x == "" for x in ids):
        errors.append("json: an item without an id")
    if len(set(ids)) != len(ids):
        errors.append("json: ids not unique")
    coords = []
    for item in items:
        if not isinstance(item.get("label", ""), str):
            errors.append(f"json: label of {item.get('id')} is not text")
        if ("x" in item) != ("y" in item):
            errors.append(f"json: item {item.get('id')} has only one coordinate")
        if "x" in item:
            if not all(_number(item[a]) for a in ("x", "y")):
                errors.append(f"json: item {item.get('id')} x/y not numbers")
            coords.append((item["x"], item["y"]))
        cluster = item.get("cluster")
        if cluster is not None and not (
            isinstance(cluster, int) and not isinstance(cluster, bool) and 1 <= cluster <= 1000
        ):
            errors.append(f"json: cluster {cluster!r} is not an integer 1-1000")
        for key, value in (item.get("weights") or {}).items():
            if not (_number(value) and value >= 0):
                errors.append(f"json: weight {key} {value!r} of {item.get('id')} not >= 0")
        for key, value in (item.get("scores") or {}).items():
            if not _number(value):
                errors.append(f"json: score {key} {value!r} of {item.get('id')} not a number")
    if not links and len(coords) < len(items):
        errors.append("json: no links, so every item needs x and y")
    if coords and len(set(coords)) == 1 and len(coords) > 1:
        errors.append("json: every item at the same coordinates")
    known = set(ids)
    for link in links:
        if link.get("source_id") not in known or link.get("target_id") not in known:
            errors.append(f"json: link {link} to an unknown item")
        strength = link.get("strength")
        if strength is not None and not (_number(strength) and strength > 0):
            errors.append(f"json: link strength {strength!r} is not positive")
    for c in network.get("clusters") or []:
        if not (isinstance(c.get("cluster"), int) and 1 <= c["cluster"] <= 1000):
            errors.append(f"json: cluster entry {c} is not an integer 1-1000")
    return errors


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def vosviewer_errors(map_path, network_path, json_path=None) -> list[str]:
    """Every problem VOSviewer finds in a graph's map, network (and JSON) files."""
    errors, ids = vosviewer_map_errors(map_path)
    errors += vosviewer_network_errors(network_path, ids)
    if json_path is not None:
        errors += vosviewer_json_errors(json_path)
    return errors


# --- CSV -----------------------------------------------------------------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_problems(path) -> list[str]:
    """Rows narrower or wider than the header, and cells a spreadsheet would run as a
    formula (a number such as ``-1.5`` is a number, not a formula)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return [f"{path}: empty"]
    problems = []
    width = len(rows[0])
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            problems.append(f"{Path(path).name} row {i}: {len(row)} cells, header has {width}")
        for cell in row:
            if cell.startswith(_FORMULA) and not _is_number(cell):
                problems.append(f"{Path(path).name} row {i}: unguarded cell {cell!r}")
    return problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
