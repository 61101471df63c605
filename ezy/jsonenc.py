"""Response bodies as JSON bytes: orjson (several times faster than `json`), the same compact text.

Same output as Starlette's `JSONResponse` for what handlers answer (UTF-8, no spaces); a value orjson
refuses (an integer past 64 bits) falls back to the standard library.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def encode(body: Any) -> bytes:
    try:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
