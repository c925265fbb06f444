"""Writing command output in large chunks instead of one terminal write per line.

A pod-granularity matrix of a large cluster is millions of lines; ``click.echo``
per line costs more than producing them (a stream lookup, a tty and ANSI check and
a flush each time). :func:`write_lines` joins lines into chunks of about
:data:`CHUNK` characters and hands each chunk to ``click.echo`` once, so memory stays
bounded by one chunk whatever the size of the document.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

#: Characters per write: big enough that per-write overhead vanishes, small enough
#: that a streamed document never sits in memory.
CHUNK = 1 << 18


def write_lines(lines: Iterable[str], *, err: bool = False) -> None:
    """Write each line followed by a newline, in chunks of about :data:`CHUNK` characters."""
    buf: list[str] = []
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line) + 1
        if size >= CHUNK:
            buf.append("")
            click.echo("\n".join(buf), nl=False, err=err)
            buf.clear()
            size = 0
    if buf:
        buf.append("")
        click.echo("\n".join(buf), nl=False, err=err)
