"""A salon's own service categories matched to the default interval keys (Cut, Colour, Treatment,
Nails, Brows, Lashes), whatever the salon called them: "cut", "color", "Hair Colour", "Gel Nails",
"Brow Lamination". Real exports name categories freely, and an exact-key lookup sent every one
of them to the default interval (issue 20).

A name is normalized (case, accents, punctuation, colour/color, plural) into words; the first
family in FAMILIES with one of its keywords among those words wins. The order puts the specific
families first: "Brow Tint" is brows and "Lash Lift" lashes, not colour; "Cut & Colour" is colour.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Default key -> keywords (normalized: singular, British spelling). Checked in this order.
FAMILIES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (key, frozenset(keywords.split()))
    for key, keywords in (
        ("Brows", "brow eyebrow"),
        ("Lashes", "lash eyelash"),
        ("Nails", "nail manicure pedicure mani pedi shellac acrylic"),
        ("Colour", "colour highlight lowlight balayage ombre tint toner bleach foil dye"),
        ("Treatment", "treatment facial scalp"),
        ("Cut", "cut haircut trim restyle fringe"),
    )
)
# American -> British spelling (the default keys' own).
SPELLING = {"color": "colour", "colorist": "colourist", "coloring": "colouring"}
_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """The name's words: lower case, accents and punctuation dropped, singular, British
    spelling ("Hair Colors" -> ("hair", "colour"))."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return tuple(SPELLING.get(w, w) for w in map(_singular, _WORD.findall(plain)))


def _singular(word: str) -> str:
    if word.endswith(("shes", "ches", "xes", "sses")):
        return word[:-2]  # lashes, waxes
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]  # nails, brows, colours
    return word


@lru_cache(maxsize=1024)
def category_family(name: str) -> str | None:
    """The default interval key ``name`` belongs to ("Hair Colour" -> "Colour"), or None."""
    found = set(words(name))
    joined = "".join(words(name))  # "Eye Brows" as "eyebrow"
    for key, keywords in FAMILIES:
        if found & keywords or joined in keywords:
            return key
    return None


def interval_lookup(intervals: dict[str, int] | None, default: int) -> Callable[[str], int]:
    """category -> days from a salon's intervals (RebookingSettings.fallback_intervals): its own
    entry under that name first (any case, spelling or plural: "gel nails" for "Gel Nails"),
    then the entry of the category's family ("Hair Colour" -> "Colour"), else ``default``."""
    own = {words(k): int(v) for k, v in (intervals or {}).items()}
    # A family's days: its own key's ("Nails"), else the first longer name in it ("Gel Nails").
    by_family: dict[str, int] = {}
    for key, days in sorted(own.items(), key=lambda item: len(item[0])):
        family = category_family(" ".join(key))
        if family is not None:
            by_family.setdefault(family, days)
    cache: dict[str, int] = {}

    def lookup(category: str) -> int:
        if category not in cache:
            key = words(category)
            family = category_family(category)
            cache[category] = own.get(key) or by_family.get(family or "") or int(default)
        return cache[category]

    return lookup


@lru_cache(maxsize=64)
def _lookup(items: tuple[tuple[str, int], ...], default: int) -> Callable[[str], int]:
    return interval_lookup(dict(items), default)


def interval_for(intervals: dict[str, int] | None, default: int, category: str) -> int:
    """``interval_lookup(intervals, default)(category)``, the lookup kept between calls."""
    return _lookup(tuple((intervals or {}).items()), int(default))(category)
