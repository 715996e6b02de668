"""The generated shapes differ where issue 20 says histories differ: the "habits" shape
keeps weekdays and stylists less often than "steady", whose stream the new knobs left as it
was."""

from __future__ import annotations

import itertools
from collections import Counter

from rebooking.backtest.generator import SHAPES, generate


def _kept(rows, key) -> float:
    """The share of completed visits on the client's most common value of ``key``."""
    by_client: dict[str, list] = {}
    for r in rows:
        if r["status"] == "completed":
            by_client.setdefault(r["client"], []).append(key(r))
    kept = sum(Counter(values).most_common(1)[0][1] for values in by_client.values())
    return kept / sum(len(values) for values in by_client.values())


def test_the_habits_shape_has_looser_habits_than_steady():
    steady = generate(300, 2, shape=SHAPES["steady"])
    habits = generate(300, 2, shape=SHAPES["habits"])
    weekday = lambda r: r["start"].weekday()  # noqa: E731
    provider = lambda r: r["provider"]  # noqa: E731
    assert _kept(habits, weekday) < _kept(steady, weekday) - 0.1
    assert _kept(habits, provider) < _kept(steady, provider) - 0.1
    # Its own category names, lower case and American ("color").
    assert {r["category"] for r in habits} == {"cut", "color", "nails", "brows", "lashes", "facial"}


def test_the_default_knobs_are_those_steady_was_generated_with():
    shape = SHAPES["steady"]
    assert (shape.weekday_kept, shape.provider_kept, shape.skip, shape.rebook_on_cancel) == (
        0.7, 0.85, 0.07, 0.75,
    )  # fmt: skip
    rows = generate(50, 1)
    assert len(rows) == len({r["id"] for r in rows})
    assert all(a["start"] <= b["start"] for a, b in itertools.pairwise(rows))
