"""The API's request parsers, apart from salonsync/api.py: REST_FRAMEWORK's settings import
them while DRF itself is loading, so this module imports nothing that imports DRF's views."""

from __future__ import annotations

from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant

from .safe_json import JSONTooDeep, has_unstorable_text, loads_limited


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit (salonsync/safe_json.py): a body nested too deep, a
    number no JSON column holds, a NUL or an unpaired surrogate is a 400 like any unreadable
    JSON, never a 500 (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
            data = loads_limited(text, parse_constant=strict_constant if self.strict else None)
        except JSONTooDeep as exc:
            raise exceptions.ParseError(str(exc)) from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        # No field stores these, and an error message quoting a lone surrogate cannot even be
        # encoded as UTF-8 to answer (a 500): refused whole, as the webhooks refuse them.
        if has_unstorable_text(data):
            raise exceptions.ParseError(
                "The JSON holds a NUL character or an unpaired surrogate, which cannot be stored."
            )
        return data
