"""JSON Merge Patch (RFC 7396), applied by every service's `patch` to its input representation."""

from __future__ import annotations

import copy
from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """The RFC 7396 result: objects merge key by key, `null` removes a key, anything else replaces.

    Neither argument is modified; the result shares nothing mutable with them.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result
