"""JSON from outside, parsed with a depth limit: every place input enters (webhooks, the REST API)
reads it through ``loads_limited``.

Python's parser recurses once per level, so a body nested about a thousand deep raises
RecursionError, which no caller expects (a 500, and a webhook that is never stored). Nothing
SalonSync reads is nested more than a few levels; MAX_DEPTH leaves a wide margin and stays far
from the interpreter's recursion limit, here and wherever the value is walked or serialised later.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64

# One token at a time: a whole string (skipped: brackets inside it do not nest), or a bracket.
# Possessive quantifiers, so an unterminated string costs one pass, never backtracking.
_PATTERN = r'(?P<s>"(?:[^"\\]++|\\.)*+")|(?P<o>[\[{])|(?P<c>[\]}])'
_TOKENS_STR = re.compile(_PATTERN, re.DOTALL)
_TOKENS_BYTES = re.compile(_PATTERN.encode(), re.DOTALL)
# What PostgreSQL cannot store in text or jsonb: NUL, and a surrogate that is not half of a pair
# (json.loads turns a valid pair into one character, so any surrogate left is unpaired).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONTooDeep(ValueError):
    """The JSON nests deeper than allowed. A ValueError, as any other unreadable JSON is."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"The JSON is nested deeper than {max_depth} levels.")
        self.max_depth = max_depth


def nesting_exceeds(data: str | bytes, max_depth: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in ``data`` nest deeper than ``max_depth``, found without
    parsing (so without recursion). Text that is not JSON may be miscounted; the parser then
    refuses it anyway."""
    if isinstance(data, str):
        tokens, opening = _TOKENS_STR, ("[", "{")
    else:
        data = bytes(data)
        tokens, opening = _TOKENS_BYTES, (b"[", b"{")
    if data.count(opening[0]) + data.count(opening[1]) <= max_depth:
        return False  # the common case: too few brackets to nest that deep
    depth = 0
    for match in tokens.finditer(data):
        if match.lastgroup == "o":
            depth += 1
            if depth > max_depth:
                return True
        elif match.lastgroup == "c":
            depth -= 1
    return False


def finite_float(text: str) -> float:
    """A JSON number as a float, refused (ValueError) when it is too large for one: ``1e999``
    reads as infinity, which no JSON column stores (PostgreSQL refuses it, SQLite's JSON_VALID
    fails) and which json.dumps writes as the non-JSON ``Infinity``."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"The number {text[:20]} is too large.")
    return value


def refuse_constant(name: str) -> Any:
    """NaN, Infinity and -Infinity are not JSON (RFC 8259 §6); Python's parser accepts them."""
    raise ValueError(f"{name} is not a JSON value.")


def loads_limited(data: str | bytes, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that raises JSONTooDeep (a ValueError) rather than recursing too deep, and
    ValueError for numbers no JSON column can store (``1e999``, NaN, Infinity).

    Other unreadable input raises what json.loads raises (ValueError, UnicodeDecodeError)."""
    if nesting_exceeds(data, max_depth):
        raise JSONTooDeep(max_depth)
    kwargs.setdefault("parse_float", finite_float)
    if kwargs.get("parse_constant") is None:
        kwargs["parse_constant"] = refuse_constant
    try:
        return json.loads(data, **kwargs)
    except RecursionError:  # the scan miscounted an unusual encoding: still a clear error
        raise JSONTooDeep(max_depth) from None


class LimitedJSONDecoder(json.JSONDecoder):
    """The depth limit for Django form fields (``forms.JSONField(decoder=...)``, as the admin's
    JSON fields take it through ``formfield_overrides``): too deep reads as invalid JSON, which
    the field answers "Enter a valid JSON." rather than a 500."""

    def decode(self, s, *args, **kwargs):
        if nesting_exceeds(s):
            raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", s, 0)
        try:
            return super().decode(s, *args, **kwargs)
        except RecursionError:
            raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", s, 0) from None


# What the admin's ModelAdmins with editable JSON fields set as ``formfield_overrides``.
JSON_FORM_FIELDS = {"decoder": LimitedJSONDecoder}


def without_unstorable(text: str) -> str:
    """``text`` without NUL characters and unpaired surrogates."""
    return _UNSTORABLE.sub("", text)


def has_unstorable_text(value: Any) -> bool:
    """True when a parsed JSON value holds a NUL character or an unpaired surrogate in any key or
    string, which PostgreSQL refuses (and which no real name, note or id contains)."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(has_unstorable_text(k) or has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_unstorable_text(item) for item in value)
    return False
