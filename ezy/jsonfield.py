"""JSON columns that keep every number a client sent, on both backends.

Tortoise encodes and decodes JSON columns with orjson when it is installed. orjson refuses integers
past 64 bits when encoding (a `500` for a document, option or payload holding one) and, worse,
decodes them as floats: `123456789012345678901234567890` came back as `1.2345678901234568e+29`.
These columns use orjson where it is exact and the standard library where it is not: encoding is
`ezy.jsonenc.encode`, which falls back on refusal; decoding takes the exact path when the text holds
a run of 19 digits (the shortest integer that may not fit in 64 bits; long decimals and digit
strings take it too, and decode the same, only slower).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from tortoise import fields

from ezy.jsonenc import encode

_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def dumps(value: Any) -> str:
    return encode(value).decode()


def loads(text: str | bytes) -> Any:
    long = _LONG_DIGITS_BYTES.search(text) if isinstance(text, bytes) else _LONG_DIGITS.search(text)
    return json.loads(text) if long is not None else orjson.loads(text)


def JSONField(**kwargs: Any) -> Any:
    """`fields.JSONField` with the exact encoder and decoder."""
    return fields.JSONField(encoder=dumps, decoder=loads, **kwargs)
