"""A salon's own category names matched to the default interval keys (issue 20: an independent
history's "cut", "color", … and a real salon's "Hair Colour", "Gel Nails" matched nothing)."""

import pytest

from rebooking.categories import category_family, interval_lookup, words
from rebooking.models import default_fallback_intervals


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("cut", "Cut"),
        ("color", "Colour"),
        ("nails", "Nails"),
        ("lashes", "Lashes"),
        ("brows", "Brows"),
        ("Hair Colour", "Colour"),
        ("HAIR COLORS", "Colour"),
        ("Gel Nails", "Nails"),
        ("Lashes", "Lashes"),
        ("Brow Lamination", "Brows"),
        ("Eye Brows", "Brows"),
        ("Brow Tint", "Brows"),  # the specific family before colour's "tint"
        ("Cut & Colour", "Colour"),
        ("Haircuts", "Cut"),
        ("Scalp Treatments", "Treatment"),
        ("Pédicure", "Nails"),
        ("Massage", None),
        ("", None),
    ],
)
def test_category_family(name, family):
    assert category_family(name) == family


def test_words_normalize_case_accents_spelling_and_plural():
    assert words("Hair-Colors!") == ("hair", "colour")
    assert words("Eyelashes") == ("eyelash",)
    assert words("Crème Glass") == ("creme", "glass")  # "ss" is not a plural


def test_interval_lookup_matches_the_salon_names_to_the_defaults():
    days = interval_lookup(default_fallback_intervals(), 42)
    # Defaults: Cut 42, Colour 56, Treatment 35, Nails 21, Brows 28, Lashes 21.
    assert [days(c) for c in ("cut", "color", "Hair Colour", "Gel Nails", "lashes")] == [
        42, 56, 56, 21, 21]  # fmt: skip
    assert days("Brow Lamination") == 28
    assert days("Massage") == 42  # no family: the default


def test_interval_lookup_prefers_the_salon_own_entry():
    days = interval_lookup({"Nails": 21, "gel nails": 18, "Colour": 56}, 40)
    assert days("Gel Nails") == 18  # its own entry, in any case
    assert days("Acrylic Nails") == 21  # the family's own key, not the longer "gel nails"
    assert days("Hair Color") == 56
    assert days("Massage") == 40
    only_long = interval_lookup({"Gel Nails": 18}, 40)
    assert only_long("Pedicure") == 18  # the one nails entry the salon has
