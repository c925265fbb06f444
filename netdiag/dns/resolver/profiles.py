"""How each stub library reads resolv.conf: the settings its algorithm runs with.

Pure. glibc reads it as :mod:`netdiag.dns.resolver.resolvconf` does. musl
(``src/network/resolvconf.c``, 1.2.3) reads lines into a 256-byte buffer and
drops longer lines whole, knows only ``ndots`` (cap 15), ``attempts`` (cap 10)
and ``timeout`` (cap 60), matches keywords only at column 0, and keeps the
rest of a ``search``/``domain`` line verbatim. Go 1.19
(``src/net/dnsconfig_unix.go``) roots every search entry, skips ``.`` entries,
caps ndots at 15, maps ``single-request(-reopen)`` to one flag and ``use-vc``
to TCP, and ignores everything else (it only marks the file "unknownOpt",
which matters for cgo selection, not for the pure resolver we model).
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, replace

from netdiag.dns.resolver.resolvconf import ResolvConf, render
from netdiag.memo import IdentityMemo

#: musl ``struct resolvconf`` line buffer: ``char line[256]`` read with fgets.
MUSL_LINE_BUFFER = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileConfig:
    """The settings one library's algorithm actually uses."""

    resolver: str
    nameservers: tuple[str, ...]
    search: tuple[str, ...]
    ndots: int
    timeout: int
    attempts: int
    rotate: bool = False
    single_request: bool = False
    single_request_reopen: bool = False
    use_vc: bool = False
    no_aaaa: bool = False
    edns0: bool = False
    trust_ad: bool = False
    #: What this library ignored or read differently, for the trace.
    notes: tuple[str, ...] = ()


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True


def glibc_config(conf: ResolvConf) -> ProfileConfig:
    rotate = conf.has("rotate")
    notes: tuple[str, ...] = ()
    if rotate and len(conf.nameservers) > 1:
        # docs/resolver-behaviour.md §3: a random first server per process.
        notes = (
            "glibc 'rotate' starts at a random nameserver per process; this trace starts "
            "at the first (the order after that is exact)",
        )
    return ProfileConfig(
        resolver="glibc",
        notes=notes,
        nameservers=conf.nameservers or ("127.0.0.1",),
        search=conf.search,
        ndots=conf.ndots,
        timeout=conf.timeout,
        attempts=conf.attempts,
        rotate=rotate,
        single_request=conf.has("single-request"),
        single_request_reopen=conf.has("single-request-reopen"),
        use_vc=conf.has("use-vc"),
        no_aaaa=conf.has("no-aaaa"),
        edns0=conf.has("edns0"),
        trust_ad=conf.has("trust-ad"),
    )


def _leading_int(text: str) -> int | None:
    digits = ""
    for ch in text:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


def musl_config(conf: ResolvConf) -> ProfileConfig:
    """musl ``__get_resolv_conf``, applied to the file text."""
    text = conf.text or render(conf)
    ndots, attempts, timeout = 1, 2, 5
    nameservers: list[str] = []
    search = ""
    notes: list[str] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if len(line) >= MUSL_LINE_BUFFER - 1:
            # fgets into char[256]: no newline in the buffer -> "Ignore lines
            # that get truncated rather than potentially misinterpreting them."
            notes.append(f"musl ignores line {lineno}: {len(line)} characters (limit 254)")
            continue
        if line.startswith("options") and line[7:8].isspace():
            for key, cap in (("ndots:", 15), ("attempts:", 10), ("timeout:", 60)):
                at = line.find(key)
                value = _leading_int(line[at + len(key) :]) if at >= 0 else None
                if value is not None:
                    if key == "ndots:":
                        ndots = min(value, cap)
                    elif key == "attempts:":
                        attempts = min(value, cap)
                    else:
                        timeout = min(value, cap)
        elif line.startswith("nameserver") and line[10:11].isspace():
            words = line[11:].split()
            if words and len(nameservers) < 3 and _valid_ip(words[0]):
                nameservers.append(words[0])
        elif line[:6] in ("domain", "search") and line[6:7].isspace():
            search = line[7:].strip()
    ignored = sorted(
        f
        for f in conf.flags
        if f in ("rotate", "single-request", "single-request-reopen", "use-vc", "no-aaaa")
    )
    if ignored:
        notes.append("musl ignores options " + ", ".join(ignored))
    return ProfileConfig(
        resolver="musl",
        nameservers=tuple(nameservers) or ("127.0.0.1",),
        search=tuple(search.split()),
        ndots=ndots,
        timeout=max(timeout, 1),
        attempts=max(attempts, 1),
        notes=tuple(notes),
    )


def go_config(conf: ResolvConf) -> ProfileConfig:
    """Go ``dnsReadConfig`` (1.19), applied to the file text."""
    text = conf.text or render(conf)
    cfg: dict[str, int] = {"ndots": 1, "timeout": 5, "attempts": 2}
    flags: set[str] = set()
    nameservers: list[str] = []
    search: list[str] = []
    for line in text.split("\n"):
        if line[:1] in (";", "#"):
            continue
        f = line.split()
        if not f:
            continue
        if f[0] == "nameserver":
            if len(f) > 1 and len(nameservers) < 3 and _valid_ip(f[1]):
                nameservers.append(f[1])
        elif f[0] == "domain":
            if len(f) > 1:
                search = [f[1].removesuffix(".")]
        elif f[0] == "search":
            search = [s.removesuffix(".") for s in f[1:] if s.removesuffix(".")]
        elif f[0] == "options":
            for s in f[1:]:
                name, sep, value = s.partition(":")
                if sep and name in cfg:
                    n = _leading_int(value) or 0
                    cfg[name] = min(max(n, 0), 15) if name == "ndots" else max(n, 1)
                elif s in ("rotate",):
                    flags.add("rotate")
                elif s in ("single-request", "single-request-reopen"):
                    flags.add("single-request")
                elif s in ("use-vc", "usevc", "tcp"):
                    flags.add("use-vc")
    return ProfileConfig(
        resolver="go",
        nameservers=tuple(nameservers) or ("127.0.0.1", "::1"),
        search=tuple(search),
        ndots=cfg["ndots"],
        timeout=cfg["timeout"],
        attempts=cfg["attempts"],
        rotate="rotate" in flags,
        single_request="single-request" in flags,
        use_vc="use-vc" in flags,
    )


@functools.lru_cache(maxsize=512)
def _config(resolver: str, conf: ResolvConf, text: str) -> ProfileConfig:
    reader = {"glibc": glibc_config, "musl": musl_config, "go": go_config}[resolver]
    return reader(conf)


def config_for(
    resolver: str, conf: ResolvConf, *, nameservers: tuple[str, ...] | None = None
) -> ProfileConfig:
    """The settings ``resolver`` reads from ``conf``; ``nameservers`` overrides its servers.

    Memoised: values are immutable, and ``text`` is part of the key because
    musl and Go re-read it (it is not part of ``ResolvConf`` equality). The
    same ``conf`` object asked again (every lookup from one pod) is found by
    identity, without hashing the whole ResolvConf.
    """
    per_resolver = _BY_CONF.get(conf, dict)
    config = per_resolver.get(resolver)
    if config is None:
        config = per_resolver[resolver] = _config(resolver, conf, conf.text)
    if nameservers:
        config = replace(config, nameservers=nameservers)
    return config


#: conf (by identity) -> {resolver: its config}.
_BY_CONF: IdentityMemo[dict[str, ProfileConfig]] = IdentityMemo(256)
