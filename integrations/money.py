"""Money as owners read it: the salon's currency (ISO 4217 code) with its symbol.

A small table rather than Babel: the pages are English only, so one symbol per currency is all
Babel's CLDR data (about 30 MB installed) would give us. The symbols are CLDR's English ones
(https://www.unicode.org/cldr/charts/latest/by_type/numbers.symbols.html); a currency missing
from the table is shown by its code ("SEK 40.00"), never guessed.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# code: (name, symbol or "" for "write the code", minor-unit digits per ISO 4217)
CURRENCIES: dict[str, tuple[str, str, int]] = {
    "USD": ("US dollar", "$", 2),
    "CAD": ("Canadian dollar", "CA$", 2),
    "AUD": ("Australian dollar", "A$", 2),
    "NZD": ("New Zealand dollar", "NZ$", 2),
    "EUR": ("Euro", "€", 2),
    "GBP": ("Pound sterling", "£", 2),
    "CHF": ("Swiss franc", "", 2),
    "SEK": ("Swedish krona", "", 2),
    "NOK": ("Norwegian krone", "", 2),
    "DKK": ("Danish krone", "", 2),
    "PLN": ("Polish złoty", "", 2),
    "CZK": ("Czech koruna", "", 2),
    "ZAR": ("South African rand", "", 2),
    "AED": ("UAE dirham", "", 2),
    "SGD": ("Singapore dollar", "", 2),
    "HKD": ("Hong Kong dollar", "HK$", 2),
    "MXN": ("Mexican peso", "MX$", 2),
    "BRL": ("Brazilian real", "R$", 2),
    "INR": ("Indian rupee", "₹", 2),
    "ILS": ("Israeli new shekel", "₪", 2),
    "JPY": ("Japanese yen", "¥", 0),
    "KRW": ("South Korean won", "₩", 0),
    "CNY": ("Chinese yuan", "CN¥", 2),
}

_CODE = re.compile(r"^[A-Z]{3}$")


def normalize_currency(value: object) -> str:
    """An ISO 4217-shaped code ("usd " -> "USD"), or "" for anything else."""
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if _CODE.match(code) else ""


def currency_choices(current: str = "") -> list[tuple[str, str]]:
    """The table as form choices, plus the salon's own code when the table lacks it."""
    choices = [("", "Not set (amounts show without a currency)")]
    choices += [(code, f"{code} · {name}") for code, (name, _s, _d) in sorted(CURRENCIES.items())]
    if current and current not in CURRENCIES:
        choices.append((current, current))
    return choices


def format_money(amount: object, currency: str = "") -> str:
    """ "$1,240.50", "€40.00", "SEK 40.00"; the bare number when the salon has no currency;
    "" for a missing or unreadable amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return ""
    if not value.is_finite():
        return ""
    code = normalize_currency(currency)
    _name, symbol, digits = CURRENCIES.get(code, ("", "", 2))
    quantum = Decimal(1).scaleb(-digits)
    value = value.quantize(quantum, rounding=ROUND_HALF_UP)
    number = f"{abs(value):,.{digits}f}"
    sign = "-" if value < 0 else ""
    if not code:
        return f"{sign}{number}"
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{code}\u00a0{number}"
