"""Reading what an API server sends, within the :mod:`netdiag.limits`.

A lying or broken server must not hang netdiag or fill its memory: a body is
read chunk by chunk against an overall deadline (``page_seconds``; the
client's read timeout is per ``recv``, so a server dripping one byte every 20 s
would otherwise never time out), a size limit (``response_bytes``) and, when
the server compresses without being asked, an inflation limit (``gzip_ratio``)
— the body is inflated here with bounded output, never by urllib3 in one go.
Parsed bodies are checked for the shape of a Kubernetes list before use.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from netdiag.errors import ClusterError
from netdiag.limits import ClusterLimitError, Limits

CHUNK = 64 * 1024
#: A JSON escape of a UTF-16 surrogate: lone ones become U+FFFD, as in Go's decoder.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Below this many inflated bytes the ratio is not checked (tiny bodies compress well).
RATIO_FLOOR = 1 << 20


def read_body(resp: Any, what: str, limits: Limits, deadline: float) -> bytes:
    """The whole body of ``resp`` (a urllib3 response, content not preloaded), inflated.

    Raises:
        ClusterLimitError: past the deadline, the size or the inflation limit.
        ClusterError: a content encoding other than gzip or deflate.
    """
    inflate = _decompressor(resp, what)
    out = bytearray()
    raw_total = 0
    for raw in _raw_chunks(resp):
        raw_total += len(raw)
        if inflate is None:
            out += raw
        else:
            pending = raw
            while pending:
                # Inflate a bounded step at a time, checking the limits between steps.
                room = min(limits.response_bytes + 1 - len(out), 4 * CHUNK)
                out += inflate.decompress(pending, max(room, 1))
                pending = inflate.unconsumed_tail
                _check(out, raw_total, what, limits)
        _check(out, raw_total, what, limits)
        if time.monotonic() > deadline:
            raise ClusterLimitError("page_seconds", what, f"{len(out)} bytes read so far", limits)
    if inflate is not None:
        out += inflate.flush()
        _check(out, raw_total, what, limits)
    return bytes(out)


def _raw_chunks(resp: Any) -> Iterator[bytes]:
    """The body as it arrives: ``read1`` returns after one ``recv``, so the deadline
    is checked while a server drips (``read(amt)`` would wait for ``amt`` bytes)."""
    read1 = getattr(resp, "read1", None)
    if read1 is None:
        yield from resp.stream(amt=CHUNK, decode_content=False)
        return
    while chunk := read1(CHUNK, decode_content=False):
        yield chunk


def _check(out: bytearray, raw_total: int, what: str, limits: Limits) -> None:
    if len(out) > limits.response_bytes:
        raise ClusterLimitError(
            "response_bytes", what, f"more than {limits.response_bytes} bytes", limits
        )
    if len(out) > RATIO_FLOOR and len(out) > limits.gzip_ratio * max(raw_total, 1):
        raise ClusterLimitError(
            "gzip_ratio", what, f"{raw_total} compressed bytes inflating past {len(out)}", limits
        )


def _decompressor(resp: Any, what: str) -> Any:
    encoding = str(resp.headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise ClusterError(f"{what}: the API server sent an unsupported Content-Encoding {encoding!r}")


def parse_json(body: bytes, what: str, content_type: str = "") -> Any:
    """``body`` as JSON; ClusterError (exit 4) naming what was asked when it is not."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:
        kind = f" ({content_type})" if content_type and "json" not in content_type else ""
        reason = str(e).partition(";")[0] if isinstance(e, ValueError) else "nested too deep"
        raise ClusterError(
            f"{what}: the API server sent a body that is not valid JSON{kind}: {reason}",
            hint="is the kubeconfig's server a Kubernetes API server (not a login page or proxy)?",
        ) from None
    if _SURROGATE_ESCAPE.search(body):
        from netdiag.sources.bounded import replace_surrogates

        try:
            data = replace_surrogates(data)
        except RecursionError:
            raise ClusterError(f"{what}: the API server sent JSON nested too deep") from None
    return data


def list_body(data: Any, what: str) -> tuple[list[Any], Mapping[str, Any]]:
    """``(items, metadata)`` of a list response, or ClusterError for another shape."""
    if not isinstance(data, Mapping):
        raise ClusterError(
            f"{what}: the API server sent {type(data).__name__}, not a list object",
        )
    items = data.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ClusterError(f"{what}: items: must be a list, not {type(items).__name__}")
    meta = data.get("metadata")
    if meta is None:
        meta = {}
    if not isinstance(meta, Mapping):
        raise ClusterError(f"{what}: metadata: must be an object, not {type(meta).__name__}")
    for key in ("continue", "resourceVersion"):
        if not isinstance(meta.get(key) or "", str):
            raise ClusterError(f"{what}: metadata.{key}: must be a string")
    return items, meta


def lines(chunks: Iterator[bytes], what: str, limits: Limits) -> Iterator[bytes]:
    """Newline-delimited records of a stream, each at most ``response_bytes`` long.

    Pieces of an unfinished line are kept in a list and joined once, so a huge
    line costs linear time (``buffer += chunk`` then ``split`` was quadratic).
    """
    pieces: list[bytes] = []
    held = 0
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            line = b"".join([*pieces, chunk[start:end]]) if pieces else chunk[start:end]
            pieces, held = [], 0
            if line.strip():
                yield line
            start = end + 1
        if start < len(chunk):
            pieces.append(chunk[start:])
            held += len(chunk) - start
            if held > limits.response_bytes:
                raise ClusterLimitError(
                    "response_bytes", what, f"a line of more than {held} bytes", limits
                )
    rest = b"".join(pieces)
    if rest.strip():
        yield rest


def deadline(limits: Limits) -> float:
    """The monotonic time by which one list page must be read."""
    return time.monotonic() + limits.page_seconds
