"""The garbage collector set for a long-running process, once its start-up is done.

Python's cyclic collector runs after every 700 net allocations and, now and then, walks every
object alive: for a process holding the GraphQL schema, the ORM's models and the contracts that is
hundreds of thousands of objects, a pause of tens of milliseconds in the middle of a request, and
several per second while a run maps records. Freezing what start-up built takes it out of those
walks (it lives as long as the process anyway), and a larger first generation makes collections
rarer where records are built by the thousand. Refcounting frees almost everything either way.
"""

from __future__ import annotations

import gc

# Allocations (net) between two collections of the youngest generation; Python's default is 700.
FIRST_GENERATION = 50_000


def settle() -> None:
    """Call once, after start-up, from a process entry point (not from code a test suite reruns)."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION, second, third)
