"""The CoreDNS ``kubernetes`` plugin block, read from a Corefile. Pure.

Grammar (coredns/caddy ``caddyfile`` lexer): server blocks ``ZONE[:PORT] ... {``
holding one directive per line; ``#`` starts a comment; a directive may carry a
``{ ... }`` block. The ``kubernetes`` directive is ``kubernetes [ZONES...] { ... }``
where absent zones mean the server block's zones (plugin/kubernetes/setup.go).
Only the options netdiag models are read: ``pods``, ``ttl``, ``endpoint_pod_names``,
``ignore empty_service``, ``namespaces``, ``fallthrough [ZONES...]``, and an
``autopath @kubernetes`` directive in the same server block.
"""

from __future__ import annotations

from dataclasses import dataclass

from netdiag.cluster.model import CorefileKubernetes


class CorefileError(ValueError):
    """A Corefile netdiag cannot read; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    line: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        for word in line.replace("{", " { ").replace("}", " } ").split():
            out.append(_Token(word, number))
    return out


def _lines(tokens: list[_Token]) -> list[list[_Token]]:
    """Group tokens into logical lines; ``{`` and ``}`` are lines of their own."""
    lines: list[list[_Token]] = []
    current: list[_Token] = []
    last_line = -1
    for tok in tokens:
        if tok.text in ("{", "}"):
            if tok.text == "{" and current:
                current.append(tok)
                lines.append(current)
            else:
                if current:
                    lines.append(current)
                lines.append([tok])
            current = []
            last_line = tok.line
            continue
        if current and tok.line != last_line:
            lines.append(current)
            current = []
        current.append(tok)
        last_line = tok.line
    if current:
        lines.append(current)
    return lines


def _normalise_zone(zone: str) -> str:
    zone = zone.split("://", 1)[-1].split(":", 1)[0].rstrip(".").lower()
    return zone or "."


def parse_corefile(text: str) -> CorefileKubernetes | None:
    """The first ``kubernetes`` block in ``text``, or ``None`` when there is none,
    with ``autopath`` set when its server block also has ``autopath @kubernetes``.

    Raises:
        CorefileError: unbalanced braces or a bad value for a modelled option.
    """
    depth = 0
    server_zones: tuple[str, ...] = ()
    found: CorefileKubernetes | None = None
    autopath = False
    lines = _lines(_tokens(text))
    for i, line in enumerate(lines):
        words = [t.text for t in line]
        if words == ["}"]:
            depth -= 1
            if depth < 0:
                raise CorefileError("unexpected '}'", line[0].line)
            if depth == 0 and found is not None:
                break  # the end of the server block holding the kubernetes plugin
        elif depth == 0 and words[-1] == "{":
            server_zones = tuple(_normalise_zone(w) for w in words[:-1])
            depth, autopath = 1, False
        elif depth == 1 and words[0] == "kubernetes" and found is None:
            found = _kubernetes_block(lines, i, server_zones)
            depth += words[-1] == "{"
        elif depth == 1 and words[0] == "autopath":
            # ``autopath [ZONE...] RESOLV-CONF``: only ``@kubernetes`` makes the
            # search path per client (plugin/autopath/setup.go); a file gives
            # one path for everyone, which netdiag does not model.
            autopath = words[-1] == "@kubernetes"
        elif words[-1] == "{":
            depth += 1
    else:
        if depth != 0:
            raise CorefileError("unbalanced '{'", lines[-1][0].line if lines else 1)
    if found is not None and autopath:
        return _apply(found, {"autopath": True})
    return found


def _kubernetes_block(
    lines: list[list[_Token]], start: int, server_zones: tuple[str, ...]
) -> CorefileKubernetes:
    head = [t.text for t in lines[start]]
    has_block = head[-1] == "{"
    zones = tuple(_normalise_zone(z) for z in head[1 : -1 if has_block else None])
    result = CorefileKubernetes(zones=zones or server_zones or ("cluster.local",))
    if not has_block:
        return result
    options: dict[str, object] = {}
    for line in lines[start + 1 :]:
        words = [t.text for t in line]
        if words == ["}"]:
            return _apply(result, options)
        _option(words, line[0].line, options)
    raise CorefileError("unterminated kubernetes block", lines[start][0].line)


def _option(words: list[str], line: int, options: dict[str, object]) -> None:
    name, args = words[0], words[1:]
    if name == "pods":
        if args not in (["insecure"], ["verified"], ["disabled"]):
            raise CorefileError(f"pods takes insecure, verified or disabled, not {args}", line)
        options["pods"] = args[0]
    elif name == "ttl":
        # strconv.Atoi: ASCII digits only (str.isdigit also takes Arabic-Indic "٣٠").
        valid = len(args) == 1 and args[0].isascii() and args[0].isdigit()
        if not valid or not 0 <= int(args[0]) <= 3600:
            raise CorefileError(f"ttl takes one number 0-3600, not {args}", line)
        options["ttl"] = int(args[0])
    elif name == "endpoint_pod_names":
        options["endpoint_pod_names"] = True
    elif name == "ignore" and args == ["empty_service"]:
        options["ignore_empty_service"] = True
    elif name == "namespaces":
        options["namespaces"] = tuple(args)
    elif name == "fallthrough":
        options["fallthrough"] = tuple(_normalise_zone(z) for z in args)


def _apply(base: CorefileKubernetes, options: dict[str, object]) -> CorefileKubernetes:
    from dataclasses import replace

    return replace(base, **options)  # type: ignore[arg-type]


def cluster_domain(block: CorefileKubernetes) -> str:
    """The first forward zone of the block (reverse zones are not cluster domains)."""
    for zone in block.zones:
        if zone != "." and not zone.endswith(("in-addr.arpa", "ip6.arpa")):
            return zone
    return "cluster.local"
