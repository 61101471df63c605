"""Regular expressions in mapping expressions run on RE2: linear time, so no pattern, however
written, can backtrack catastrophically (`/(a+)+$/` on a long string answers at once).

RE2 has no backreferences and no lookaround: such a pattern is a syntax error when the mapping is
saved, with a message that says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import re2
from jsonata.regex_engine import RegexFlags

_GROUP_REFERENCE = re.compile(r"\\g<(\d+)>")


class UnsupportedRegex(ValueError):
    pass


class Re2Pattern:
    """An RE2 pattern with the `re.Pattern` behaviour the interpreter relies on."""

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern
        self.groups: int = pattern.groups

    def search(self, string: str) -> Any:
        return self._pattern.search(string)

    def finditer(self, string: str) -> Iterator[Any]:
        return iter(self._pattern.finditer(string))

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return list(self._pattern.split(string, maxsplit))

    def sub(self, repl: str | Callable[[Any], str], string: str, count: int = 0) -> str:
        if isinstance(repl, str):
            # The interpreter drops a reference to a missing group ("$12" with one group reads as
            # "$1" then "2") when it sees `re`'s error for it; RE2 raises a bare IndexError.
            for found in _GROUP_REFERENCE.finditer(repl):
                group = found.group(1)
                if int(group) > self.groups:
                    raise re.error(f"invalid group reference {group} at position {found.start() + 1}")
        return str(self._pattern.sub(repl, string, count))


def re2_engine(pattern: str, flags: RegexFlags) -> Re2Pattern:
    """The interpreter's `regex_engine`: compiles a JSONata regex literal with RE2."""
    options = re2.Options()
    options.log_errors = False  # RE2 would print parse errors on stderr; they come back as ours
    options.case_sensitive = not flags.case_insensitive
    source = f"(?m){pattern}" if flags.multiline else pattern
    try:
        return Re2Pattern(re2.compile(source, options))
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsupportedRegex(
            f"regular expression /{pattern}/ is not supported: {reason} "
            "(RE2 syntax: no backreferences or lookaround)"
        ) from None
