"""Hostile text made harmless for the places netdiag writes it. Pure.

Names, labels and annotations are whoever-wrote-the-manifest's text, accepted
leniently on purpose. Before they reach a terminal, control characters are
shown instead of obeyed: ``ESC ] 0 ; … BEL`` would retitle the terminal, CR
overwrite a line, U+202E reverse what follows, a newline split a table row.
Before they reach a spreadsheet, a cell that starts like a formula is made text
(OWASP "CSV Injection").

* :func:`visible` — one name or message: every character that is not
  printable (Unicode categories C* and the line/paragraph separators) as
  ``\\xNN`` / ``\\uNNNN``; printable text, spaces included, unchanged.
* :func:`visible_lines` — a rendered block: the same, but line breaks and tabs
  the renderer put there stay, and with ``sgr=True`` so do the colour codes
  (``ESC [ … m``) it added.
* :func:`csv_cell` — a CSV field: a leading ``= + - @``, tab or CR gets a ``'``.
"""

from __future__ import annotations

import re

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_LAYOUT = frozenset("\n\t")


def _escape(c: str) -> str:
    code = ord(c)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def visible(text: str) -> str:
    """``text`` with every non-printable character escaped (``"\\x1b]0;x\\x07"``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def visible_lines(text: str, *, sgr: bool = False) -> str:
    """Like :func:`visible`, keeping newlines and tabs (and SGR colour codes with ``sgr``)."""
    if text.isprintable():
        return text
    if not sgr:
        return "".join(c if c.isprintable() or c in _LAYOUT else _escape(c) for c in text)
    out: list[str] = []
    pos = 0
    for m in _SGR.finditer(text):
        out.append(visible_lines(text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(visible_lines(text[pos:]))
    return "".join(out)


#: Unicode bidirectional controls (UAX #9): drawn labels (DOT, Mermaid) replace them,
#: or U+202E would show "gnp.exe" for "exe.png".
BIDI_CONTROLS = frozenset((0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)))

#: OWASP CSV Injection: cells starting with these are read as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """``text`` safe as a CSV field: a formula-like start is prefixed with ``'``."""
    return "'" + text if text.startswith(_FORMULA_START) else text
