"""Hypothesis strategies for hostile input (issue 21, item 5), shared by the standing adversarial
suite: tests/webhooks/test_adversarial.py and tests/api/test_adversarial_writes.py.

Kept small on purpose (each test draws few examples): the point is that every kind of hostile
value reaches every entry point on every run, not a deep search.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from salonsync.safe_json import MAX_DEPTH

# Times Python can write but not always hold once moved to UTC, and texts that only look like
# times (the attack run's W2).
EXTREME_TIME_TEXTS = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2026-02-30T10:00:00",
    "-0001-01-01",
    "",
]
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
extreme_times = st.sampled_from(EXTREME_TIME_TEXTS) | st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(UTC) | offsets,
).map(lambda value: value.isoformat())

# Text PostgreSQL cannot store (NUL, unpaired surrogates) inside ordinary text.
BAD_CHARACTERS = ["\x00", "\ud800", "\udfff", "\udc80"]
bad_text = st.builds(
    lambda head, bad, tail: f"{head}{bad}{tail}",
    st.text(max_size=6),
    st.sampled_from(BAD_CHARACTERS),
    st.text(max_size=6),
)

# JSON texts to splice in where a value goes: nested past the limit, or huge.
deep_json = st.integers(MAX_DEPTH + 1, 3000).map(lambda n: "[" * n + "1" + "]" * n)
huge_json = st.integers(200_000, 1_200_000).map(lambda n: '"' + "x" * n + '"')
huge_numbers = st.sampled_from(["1e999", "-1e999", "9" * 400, "1" + "0" * 30])

PLACEHOLDER = "HOSTILE-PLACEHOLDER"


def splice(text: str, raw_json: str) -> str:
    """``text`` (JSON) with the first ``"HOSTILE-PLACEHOLDER"`` replaced by ``raw_json``, which
    may be JSON that json.dumps cannot write (it recurses) or would take long to build."""
    return text.replace(f'"{PLACEHOLDER}"', raw_json, 1)


# A value to put into one field: as JSON text, ready for splice().
hostile_json_values = (
    deep_json
    | huge_json
    | huge_numbers
    | extreme_times.map(lambda s: _dumps(s))
    | bad_text.map(lambda s: _dumps(s))
)


def _dumps(value: str) -> str:
    return json.dumps(value)  # ASCII: a NUL or a surrogate travels as a \u escape
