"""Query-log lines of the DNS server (edge: reads the clock): a fast JSON
encoder for the flat entry and a UTC timestamp that reuses the formatted second.
"""

from __future__ import annotations

import time
from json.encoder import encode_basestring_ascii as _quote
from typing import Any


def json_line(entry: dict[str, Any]) -> str:
    """``json.dumps(entry)`` for this flat shape, about five times faster."""
    return (
        "{"
        + ", ".join(
            f'"{key}": {value}' if isinstance(value, int) else f'"{key}": {_quote(value)}'
            for key, value in entry.items()
        )
        + "}\n"
    )


class Clock:
    """UTC ISO 8601 timestamps with microseconds; the formatted second is reused."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        t = time.time()
        second = int(t)
        if second != self._second:
            self._second = second
            self._text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._text}.{int((t - second) * 1e6):06d}Z"
