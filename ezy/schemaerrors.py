"""JSON Pointers (RFC 6901) into request bodies."""

from __future__ import annotations


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON Pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
