"""Text from the data and from the user, made safe to show on a terminal.

Titles, labels and affiliation strings come from OpenAlex and from reporters' files; they
may hold control characters (ESC starts a terminal escape sequence, NUL, BEL ...) and
Unicode bidirectional overrides (U+202E shows the rest of a line reversed). Printed raw,
they can rewrite the terminal or disguise what a line says. These helpers show each such
character as a visible escape instead.
"""

from __future__ import annotations

import re

__all__ = ["escape", "escape_json", "quote", "shorten", "ECHO_LIMIT"]

#: Echoed user input (an unknown node name, ...) is cut to this many characters.
ECHO_LIMIT = 80

# C0 controls, DEL and C1 controls; the bidi formatting characters (marks, embeddings,
# overrides, isolates); line and paragraph separators; lone surrogates (undecodable bytes).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)

# What json.dumps leaves raw: all but C0 (which it escapes in strings, and which outside
# strings is the layout of indented JSON).
_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def _visible(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text) -> str:
    r"""``text`` with every control, bidi-override and line-separator character escaped.

    Examples
    --------
    >>> escape("Lab\x1b[2J\u202eevil")
    'Lab\\x1b[2J\\u202eevil'
    >>> escape("公安部物证鉴定中心 – Delft")
    '公安部物证鉴定中心 – Delft'
    """
    return _UNSAFE.sub(_visible, str(text))


def escape_json(text: str) -> str:
    r"""JSON text (from ``json.dumps(..., ensure_ascii=False)``) with no raw unsafe character.

    ``json.dumps`` escapes C0 controls but leaves DEL, C1 controls, bidi overrides and
    U+2028/U+2029 raw. They can only occur inside JSON strings, so writing each as a
    ``\uXXXX`` escape keeps the JSON valid and its values unchanged.

    Examples
    --------
    >>> import json
    >>> escape_json(json.dumps("a\u202eb\x85", ensure_ascii=False))
    '"a\\u202eb\\u0085"'
    >>> escape_json(json.dumps(["\x1b"], indent=1))
    '[\n "\\u001b"\n]'
    """
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shorten(text, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was when cut.

    Examples
    --------
    >>> shorten("x" * 100, 5)
    'xxxxx… (100 characters)'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def quote(text, limit: int = ECHO_LIMIT) -> str:
    r"""User input to echo in a message: quoted, escaped, cut to ``limit`` characters.

    Examples
    --------
    >>> quote("Delft Univ")
    "'Delft Univ'"
    >>> print(quote("\x1b]0;title\x07" + "y" * 200, 12))
    '\x1b]0;title\x07yy…' (210 characters)
    """
    text = str(text)
    if len(text) <= limit:
        return f"'{escape(text)}'"
    return f"'{escape(text[:limit])}…' ({len(text):,} characters)"
