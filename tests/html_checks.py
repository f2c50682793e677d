"""What makes a browser fetch from the internet, found in an HTML text."""

import re

# An http(s) or protocol-relative URL in a tag attribute, a CSS import or url(), and the tags
# that load or embed other documents.
RESOURCE_PATTERNS = [
    re.compile(
        r"<[^>]*\b(?:src|href|srcset|action|poster|data)\s*=\s*[\"']?\s*(?:https?:)?//", re.I
    ),
    re.compile(r"@import", re.I),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.I),
    re.compile(r"<link\b", re.I),
    re.compile(r"<iframe\b|<object\b|<embed\b|<base\b", re.I),
]


def resource_references(text: str) -> list[str]:
    """Every match of a pattern that would load a resource (empty: the page is offline)."""
    return [m.group(0) for p in RESOURCE_PATTERNS for m in p.finditer(text)]
