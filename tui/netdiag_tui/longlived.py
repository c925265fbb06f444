"""Keep the cyclic garbage collector off the big, long-lived structures.

A snapshot of 10,000 pods, its matrix and the policy descriptions are millions of
objects that live until the next reload. Python's full (generation 2) collections
walk all of them: 200-400 ms each at 10,000 pods, in whichever thread allocates, and
with the GIL held, so the event loop froze for that long at random moments (measured
with gc.callbacks while driving the app). ``gc.freeze()`` moves every object alive now
to a permanent generation the collector skips. They are still freed by reference
counting when a reload drops them (snapshots, matrices and views hold no cycles); only
cyclic garbage among them would wait for ``gc.unfreeze()``.
"""

from __future__ import annotations

import gc


def keep_long_lived() -> None:
    """Call on the event loop once a big structure (snapshot, matrix, views) is in place."""
    gc.freeze()


def release_long_lived() -> None:
    """When the app ends: hand everything back to the collector (the app's widgets and
    screens are cyclic, and a process may run several apps, as the tests do)."""
    gc.unfreeze()
