"""Keep the app visible when stderr is redirected (``netdiag tui 2>/dev/null``).

Textual's Linux driver draws on ``sys.__stderr__`` (textual/drivers/linux_driver.py),
so with stderr sent to a file or /dev/null the app runs but the terminal stays blank.
While the app runs, file descriptor 2 is pointed at the terminal (stdout's, else
``/dev/tty``) and restored afterwards; messages printed after the app exits still go
where the user sent them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def terminal_on_stderr() -> Iterator[bool]:
    """Yield True when stderr was redirected to the terminal for the app's lifetime."""
    if os.isatty(2):
        yield False
        return
    try:
        target = os.dup(1) if os.isatty(1) else os.open("/dev/tty", os.O_RDWR)
    except OSError:  # no terminal at all (CI, a pipe): nothing to draw on anyway
        yield False
        return
    saved = os.dup(2)
    try:
        os.dup2(target, 2)
        os.close(target)
        yield True
    finally:
        os.dup2(saved, 2)
        os.close(saved)
