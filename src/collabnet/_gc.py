"""Pausing Python's cyclic garbage collector around bulk object creation."""

from __future__ import annotations

import gc


class paused_gc:
    """Pause the cyclic garbage collector while millions of acyclic objects (dicts,
    tuples, lists: parsed records, node and tie attributes) are created; each collection
    pass would walk every live object. Re-enabled on exit if it was enabled before.

    Examples
    --------
    >>> with paused_gc():
    ...     gc.isenabled()
    False
    """

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()
