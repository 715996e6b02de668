"""Phone numbers as E.164 (+<country><number>), the form Twilio sends to and reports.

Without a numbering-plan library this accepts only what needs no guessing: a number written
with its + and country code, or a ten-digit North American number (with or without its leading
1) when the salon is in a North American time zone. Anything else is not texted.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")
# IANA zones of NANP countries SalonSync's salons use (America/* also covers Latin America,
# whose numbers are not ten-digit NANP: only these are taken).
NANP_ZONE_PREFIXES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Anchorage", "America/Detroit", "America/Indiana",
    "America/Kentucky", "America/Boise", "America/Toronto", "America/Vancouver",
    "America/Edmonton", "America/Winnipeg", "America/Halifax", "America/Regina",
    "America/St_Johns", "America/Puerto_Rico", "Pacific/Honolulu",
)  # fmt: skip


def to_e164(raw: str, *, salon_timezone: str = "") -> str:
    """``raw`` as E.164, or "" when it cannot be read without guessing."""
    text = (raw or "").strip()
    digits = "".join(_DIGITS.findall(text))
    if text.startswith("+") or text.startswith("00"):
        digits = digits[2:] if text.startswith("00") else digits
        return f"+{digits}" if 8 <= len(digits) <= 15 and digits[0] != "0" else ""
    if salon_timezone.startswith(NANP_ZONE_PREFIXES):
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        if len(digits) == 10 and digits[0] not in "01":
            return f"+1{digits}"
    return ""
