import codecs
import decimal
import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _reject_constant(name):
    raise ValueError(f"{name} is not a valid JSON number")


# One decoder for every request: ``json.loads`` with options builds a new one
# (and its scanner) on each call.
_decoder = json.JSONDecoder(
    parse_float=decimal.Decimal, parse_constant=_reject_constant
)


class JSONParser(parsers.JSONParser):
    """Reads JSON numbers with a fraction as Decimal so money never passes a float."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = codecs.getreader(encoding)(stream).read()
            return _decoder.decode(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Request body is not valid JSON: {exc}")
