"""The one parser of client JSON: what it refuses, with which status, and where it points."""

from __future__ import annotations

import json

import pytest

from ezy import jsonsafe
from ezy.errors import InvalidRequest, ValidationFailed

DEEP_OK = b"[" * jsonsafe.MAX_DEPTH + b"]" * jsonsafe.MAX_DEPTH
TOO_DEEP = b"[" * (jsonsafe.MAX_DEPTH + 1) + b"]" * (jsonsafe.MAX_DEPTH + 1)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{", id="truncated"),
        pytest.param(b'{"a": NaN}', id="nan"),
        pytest.param(b'{"a": -Infinity}', id="infinity"),
        pytest.param(b'{"a": "\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
        pytest.param(b'{"a": "\xff"}', id="not-utf8"),
        pytest.param(TOO_DEEP, id="depth-65"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="depth-100000"),
        pytest.param(b'{"a": ' * 200 + b"1" + b"}" * 200, id="deep-objects"),
    ],
)
def test_malformed_json_is_400(raw: bytes) -> None:
    with pytest.raises(InvalidRequest, match="malformed JSON"):
        jsonsafe.loads(raw)


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        pytest.param(rb'{"name": "a\u0000b"}', "/name", id="nul-in-string"),
        pytest.param(rb'{"a": {"x\u0000": 1}}', "/a/x\x00", id="nul-in-member-name"),
        pytest.param(rb'{"a": ["ok", "\ud800"]}', "/a/1", id="lone-high-surrogate"),
        pytest.param(rb'{"a/b": "\udc00x"}', "/a~1b", id="lone-low-surrogate-escaped-pointer"),
        pytest.param(rb'{"n": [1, 1e400]}', "/n/1", id="beyond-double"),
        pytest.param(rb'"\u0000"', "", id="at-the-root"),
    ],
)
def test_values_nothing_can_store_are_422_at_their_pointer(raw: bytes, pointer: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        jsonsafe.loads(raw)
    assert [e.pointer for e in caught.value.errors] == [pointer]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(rb'{"emoji": "\ud83d\ude00", "e": "\u00e9"}', id="surrogate-pair"),
        pytest.param(rb'{"path": "C:\\u0000"}', id="escaped-backslash-then-u0000-text"),
        pytest.param(b'{"big": 123456789012345678901234567890, "f": 1.5e300}', id="big-numbers"),
        pytest.param(DEEP_OK, id="depth-64"),
        pytest.param('{"ü": "ß"}'.encode(), id="utf8"),
    ],
)
def test_what_is_fine_parses_as_json_loads_does(raw: bytes) -> None:
    assert jsonsafe.loads(raw) == json.loads(raw)
