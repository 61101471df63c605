"""Writes the checked-in SDL: `python -m schema.export` (the drift test tells you when to run it)."""

from __future__ import annotations

import sys
from pathlib import Path

SDL_PATH = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    from schema.root import schema

    return str(schema) + "\n"


def main() -> int:
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
