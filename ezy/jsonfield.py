"""JSON columns that keep every number a client sent, on both backends.

Tortoise encodes and decodes JSON columns with orjson when it is installed. orjson refuses integers
past 64 bits when encoding (a `500` for a document, option or payload holding one) and, worse,
decodes them as floats: `123456789012345678901234567890` came back as `1.2345678901234568e+29`.
These columns use orjson where it is exact and the standard library where it is not: encoding
falls back on refusal; decoding takes the exact path when the text holds a run of 19 digits (the
shortest integer that may not fit in 64 bits; long decimals and digit strings take it too, and
decode the same, only slower).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson
from tortoise import fields

_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: an integer past 64 bits (or a key that is not a string)
        # As orjson would write it otherwise: NaN and infinities as null.
        return json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def loads(text: str | bytes) -> Any:
    long = _LONG_DIGITS_BYTES.search(text) if isinstance(text, bytes) else _LONG_DIGITS.search(text)
    return json.loads(text) if long is not None else orjson.loads(text)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def JSONField(**kwargs: Any) -> Any:
    """`fields.JSONField` with the exact encoder and decoder."""
    return fields.JSONField(encoder=dumps, decoder=loads, **kwargs)
