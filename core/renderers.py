from decimal import Decimal

import simplejson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder().default


def _default(value):
    # Positional notation with every digit: 0.00000001, never 1E-8 or a float.
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be sent as a JSON number")
        return simplejson.RawJSON(format(value, "f"))
    return _fallback(value)


def dumps(data):
    """Serialise API data; a Decimal becomes a JSON number with its exact digits."""
    return simplejson.dumps(
        data,
        use_decimal=False,
        default=_default,
        ensure_ascii=False,
        separators=(",", ":"),
    )


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return dumps(data).encode()
