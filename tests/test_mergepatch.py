"""RFC 7396 appendix A, plus the promise not to touch the inputs."""

from __future__ import annotations

from typing import Any

import pytest

from ezy.mergepatch import merge_patch


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [
        pytest.param({"a": "b"}, {"a": "c"}, {"a": "c"}, id="replace-member"),
        pytest.param({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, id="add-member"),
        pytest.param({"a": "b"}, {"a": None}, {}, id="null-removes"),
        pytest.param({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}, id="null-removes-one"),
        pytest.param({"a": ["b"]}, {"a": "c"}, {"a": "c"}, id="array-replaced-by-scalar"),
        pytest.param({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}, id="scalar-replaced-by-array"),
        pytest.param({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}, id="nested-merge"),
        pytest.param({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, id="arrays-are-not-merged"),
        pytest.param(["a", "b"], ["c", "d"], ["c", "d"], id="array-target"),
        pytest.param({"a": "b"}, ["c"], ["c"], id="array-patch-replaces-object"),
        pytest.param({"a": "foo"}, None, None, id="null-patch"),
        pytest.param({"a": "foo"}, "bar", "bar", id="string-patch"),
        pytest.param({"e": None}, {"a": 1}, {"e": None, "a": 1}, id="existing-null-kept"),
        pytest.param([1, 2], {"a": "b", "c": None}, {"a": "b"}, id="object-patch-on-array"),
        pytest.param({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}, id="null-in-new-nested-object"),
    ],
)
def test_rfc7396_examples(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_inputs_are_not_modified_and_result_shares_nothing() -> None:
    target = {"a": {"b": [1]}, "c": 1}
    patch = {"a": {"d": {"e": 2}}, "c": None}
    result = merge_patch(target, patch)
    result["a"]["b"].append(2)
    result["a"]["d"]["e"] = 3
    assert target == {"a": {"b": [1]}, "c": 1}
    assert patch == {"a": {"d": {"e": 2}}, "c": None}
