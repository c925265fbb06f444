"""Reading untrusted input within the :mod:`netdiag.limits`: files and parsed documents.

* :func:`read_text` reads a regular file (or stdin) of at most ``file_bytes``;
  devices, FIFOs and sockets are refused (``/dev/zero`` never ends), also when a
  directory holds a symlink to one.
* :func:`check_document` walks one parsed YAML/JSON document once: YAML aliases
  share one object between places, so a 460-byte document can stand for
  billions of nodes (the "billion laughs"); the walk counts every node an alias
  brings in again and stops past ``alias_expansions``, and stops past
  ``nesting`` levels. Lone UTF-16 surrogates (``"\\ud800"`` in JSON) are replaced
  with U+FFFD, as the API server's Go decoder does, so no output chokes on them.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import Any

from netdiag.errors import ManifestError
from netdiag.limits import LimitError, Limits

_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def check_regular(name: str, label: str | None = None) -> None:
    """ManifestError unless ``name`` (symlinks followed) is a regular file or a directory."""
    label = label or name
    try:
        mode = os.stat(name).st_mode
    except OSError as e:
        raise ManifestError(f"{label}: cannot read: {e.strerror or e}") from e
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    what = next((words for test, words in _KINDS if test(mode)), "not a regular file")
    raise ManifestError(
        f"{label}: is {what}, not a regular file",
        hint="give a regular file, or - for standard input where the option takes it",
    )


def read_text(name: str, limits: Limits, label: str | None = None) -> str:
    """The UTF-8 text of file ``name`` (``-``: stdin), at most ``limits.file_bytes``.

    Raises:
        ManifestError: unreadable, not a regular file, not UTF-8, stdin closed.
        LimitError: larger than the limit.
    """
    label = label or ("<stdin>" if name == "-" else name)
    if name == "-":
        data = _read_stdin(limits)
        if isinstance(data, str):  # a text stream without a buffer (tests, embedding)
            if len(data) > limits.file_bytes:
                raise LimitError(
                    "file_bytes", label, f"more than {limits.file_bytes} bytes", limits
                )
            return data
    else:
        check_regular(name, label)
        try:
            with open(name, "rb") as fh:
                data = read_at_most(fh, limits.file_bytes)
        except OSError as e:
            raise ManifestError(f"{label}: cannot read: {e.strerror or e}") from e
    if len(data) > limits.file_bytes:
        raise LimitError("file_bytes", label, f"more than {limits.file_bytes} bytes", limits)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ManifestError(f"{label}: not UTF-8 text (byte {e.start})") from e


#: A JSON escape of a UTF-16 surrogate (libyaml refuses them in YAML).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


#: A YAML anchor (``&name``) where a node can start: at a line start, after
#: whitespace, ``[``, ``{`` or ``,``. An ``&`` inside a word (``?a=1&b=2`` in a
#: URL or an annotation) is not one; a false positive only costs the walk.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s]", re.MULTILINE)


def needs_check(text: str) -> bool:
    """Whether the documents of ``text`` need :func:`check_document`.

    Only a YAML anchor lets an alias share a node, and only a surrogate
    escape makes a lone surrogate; without them the walk (about twice the cost
    of parsing the JSON) is skipped. Nesting is then bounded by the parsers:
    libyaml stops at 1,000 levels, :func:`json.loads` at Python's recursion limit.
    """
    if "&" in text and _ANCHOR.search(text) is not None:
        return True
    return _SURROGATE_ESCAPE.search(text) is not None


def read_at_most(stream: Any, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of a binary stream, in pieces.

    ``read(limit + 1)`` would allocate the whole limit (a GiB) up front.
    """
    pieces: list[bytes] = []
    held = 0
    while held <= limit:
        piece = stream.read(min(1 << 20, limit + 1 - held))
        if not piece:
            break
        pieces.append(piece)
        held += len(piece)
    return b"".join(pieces)


def _read_stdin(limits: Limits) -> bytes | str:
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        raise ManifestError("<stdin>: standard input is closed", hint="pipe manifests in")
    stream = getattr(stdin, "buffer", None)
    try:
        if stream is None:
            return stdin.read(limits.file_bytes + 1)
        data = read_at_most(stream, limits.file_bytes)
    except (OSError, ValueError) as e:
        raise ManifestError(f"<stdin>: cannot read: {e}") from e
    return bytes(data)


def check_document(data: Any, where: str, limits: Limits) -> Any:
    """``data`` with lone surrogates replaced; LimitError past the alias or nesting limits.

    One pass over the document as written: an object met a second time (a YAML
    alias) is not walked again, but its size counts against ``alias_expansions``.
    """
    sizes: dict[int, int] = {}  # id -> node count of a container already walked
    expanded = 0
    surrogates = False
    # Iterative post-order walk: (container, depth, children not yet walked).
    stack: list[tuple[Any, int, list[Any]]] = [(data, 1, _children(data))]
    totals: list[int] = [1]
    while stack:
        node, depth, todo = stack[-1]
        if todo:
            child = todo.pop()
            if isinstance(child, str):
                totals[-1] += 1
                surrogates = surrogates or _has_surrogate(child)
                continue
            if not isinstance(child, (dict, list)):
                totals[-1] += 1
                continue
            seen = sizes.get(id(child))
            if seen is not None:
                expanded += seen
                totals[-1] += seen
                if expanded > limits.alias_expansions:
                    raise LimitError(
                        "alias_expansions", where, f"{expanded}+ nodes through aliases", limits
                    )
                continue
            if depth + 1 > limits.nesting:
                raise LimitError("nesting", where, f"{depth + 1} levels", limits)
            stack.append((child, depth + 1, _children(child)))
            totals.append(1)
            continue
        stack.pop()
        size = totals.pop()
        sizes[id(node)] = size
        if totals:
            totals[-1] += size
    return replace_surrogates(data) if surrogates else data


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        out = list(node.values())
        out.extend(k for k in node if isinstance(k, str))
        return out
    if isinstance(node, list):
        return list(node)
    return []


def _has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def replace_surrogates(data: Any) -> Any:
    if isinstance(data, str):
        if not _has_surrogate(data):
            return data
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in data)
    if isinstance(data, dict):
        return {replace_surrogates(k): replace_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [replace_surrogates(v) for v in data]
    return data
