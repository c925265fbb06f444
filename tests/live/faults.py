"""Hostile answers for :attr:`FakeAPIServer.fault`: lying bodies, drips, endless pages, bombs.

Each factory returns a fault for one resource (``plural``) and one verb; every
loop here is bounded in count and time and stops when the client goes away.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

Fault = Callable[[Any, str, str, dict[str, str]], bool]


def _send(handler: Any, status: int, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for key, value in {"Content-Length": str(len(body)), **headers}.items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def body(
    plural: str,
    data: bytes,
    *,
    status: int = 200,
    content_type: str = "application/json",
    verb: str = "list",
) -> Fault:
    """Answer ``data`` as it is (any status, any content type)."""

    def fault(handler: Any, v: str, p: str, query: dict[str, str]) -> bool:
        if (v, p) != (verb, plural):
            return False
        _send(handler, status, data, {"Content-Type": content_type})
        return True

    return fault


def chunked(plural: str, data: bytes, pieces: int = 7, *, encoding: str = "") -> Fault:
    """Answer ``data`` with chunked transfer encoding, in ``pieces`` chunks."""

    def fault(handler: Any, v: str, p: str, query: dict[str, str]) -> bool:
        if (v, p) != ("list", plural):
            return False
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        if encoding:
            handler.send_header("Content-Encoding", encoding)
        handler.end_headers()
        step = max(1, len(data) // pieces)
        for i in range(0, len(data), step):
            piece = data[i : i + step]
            handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            handler.wfile.flush()
        handler.wfile.write(b"0\r\n\r\n")
        return True

    return fault


def gzip_bomb(plural: str, inflated: int) -> Fault:
    """A gzip body (never asked for) that inflates ``inflated`` zero bytes."""
    data = gzip.compress(b"\0" * inflated, compresslevel=9)

    def fault(handler: Any, v: str, p: str, query: dict[str, str]) -> bool:
        if (v, p) != ("list", plural):
            return False
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        _send(handler, 200, data, headers)
        return True

    return fault


def drip(plural: str, interval: float, max_bytes: int = 200) -> Fault:
    """Promise a big body, then send one byte every ``interval`` seconds (at most ``max_bytes``)."""

    def fault(handler: Any, v: str, p: str, query: dict[str, str]) -> bool:
        if (v, p) != ("list", plural):
            return False
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(max_bytes + 10))
        handler.end_headers()
        handler.close_connection = True
        try:
            for _ in range(max_bytes):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass  # the client gave up: what we want
        return True

    return fault


def endless_continue(plural: str, *, same_token: bool) -> Fault:
    """Every page of the list has one more page (the same token, or always a new one)."""
    counter = itertools.count()

    def fault(handler: Any, v: str, p: str, query: dict[str, str]) -> bool:
        if (v, p) != ("list", plural):
            return False
        token = "again" if same_token else base64.b64encode(str(next(counter)).encode()).decode()
        page = {"kind": "PodList", "apiVersion": "v1", "metadata": {"continue": token}}
        _send(handler, 200, json.dumps(page | {"items": []}).encode(), {})
        return True

    return fault
