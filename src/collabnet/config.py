"""Paths, categories and settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "DEMO_DIR",
    "DEMO_WORKS",
    "WATCHLIST_DIR",
    "RAW_DIR",
    "OUTPUTS_DIR",
    "NOTEBOOKS_DIR",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CATEGORY_COLORS",
    "CONSORTIUM_AUTHORS",
    "AUTHOR_MAX_TEAM_SIZE",
    "DATA_SOURCES",
    "read_dotenv",
    "openalex_api_key",
    "openalex_email",
]

#: The repository root: ``src/collabnet/config.py`` -> two levels up from the package.
#: ``COLLABNET_ROOT`` overrides it (an installed copy outside a clone).
PROJECT_ROOT = Path(os.environ.get("COLLABNET_ROOT") or Path(__file__).resolve().parents[2])
DATA_DIR = PROJECT_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
DEMO_WORKS = DEMO_DIR / "works.jsonl.gz"
WATCHLIST_DIR = DATA_DIR / "watchlist"
RAW_DIR = DATA_DIR / "raw"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

#: Categories the watchlist assigns, in the order used for legends and tables.
CATEGORIES = ("nl", "cn_police", "cn_military", "cn_state_security", "cn_other", "other")

CATEGORY_LABELS = {
    "nl": "Dutch institution",
    "cn_police": "PRC public security (police-linked)",
    "cn_military": "PRC military / defence",
    "cn_state_security": "PRC state security",
    "cn_other": "Other mainland China",
    "other": "Other / unclassified",
}

# Colour-blind-safe (Okabe-Ito) so categories stay apart in print and on screen.
CATEGORY_COLORS = {
    "nl": "#E69F00",
    "cn_police": "#D55E00",
    "cn_military": "#CC79A7",
    "cn_state_security": "#000000",
    "cn_other": "#0072B2",
    "other": "#999999",
}

#: Values of ``data_source`` in manifests.
#: A work of more authors than this is a consortium paper: a tie or hop resting on such works
#: alone is marked as such (VOSviewer leaves out works above 25 authors by default).
CONSORTIUM_AUTHORS = 25

#: Works with more authors than this add no tie to the author graph by default
#: (``collabnet build --author-max-team-size``; see ``pipeline.build_graph``).
AUTHOR_MAX_TEAM_SIZE = 100

DATA_SOURCES = ("openalex-api", "openalex-snapshot", "synthetic-demo")


def read_dotenv(path: Path | None = None) -> dict[str, str]:
    """Return ``KEY=value`` pairs from a ``.env`` file (missing file: empty dict).

    Only simple lines are understood: ``KEY=value``, optional quotes, ``#`` comments.
    """
    path = PROJECT_ROOT / ".env" if path is None else Path(path)
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if key.startswith("export "):
            key = key[len("export ") :].strip()
        values[key] = value.strip().strip("'\"")
    return values


def _setting(name: str) -> str | None:
    value = os.environ.get(name)
    if value:
        return value
    return read_dotenv().get(name) or None


def openalex_api_key() -> str | None:
    """The OpenAlex API key from ``OPENALEX_API_KEY`` or the git-ignored ``.env``."""
    return _setting("OPENALEX_API_KEY")


def openalex_email() -> str | None:
    """The contact e-mail from ``OPENALEX_EMAIL`` or ``.env`` (optional)."""
    return _setting("OPENALEX_EMAIL")
