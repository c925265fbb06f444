"""``/etc/resolv.conf``: parse with glibc's rules into a frozen value, render back.

Pure. glibc's reader is ``resolv/res_init.c`` (``res_vinit_1``,
``res_setoptions``): ``nameserver`` lines accumulate up to ``MAXNS`` (3),
``domain`` and ``search`` replace each other (the last one wins), a ``search``
line without domains is ignored, ``options`` accumulate option by option
(later values override), ``ndots`` is capped at ``RES_MAXNDOTS`` (15),
``attempts`` at ``RES_MAXRETRY`` (5) and ``timeout`` at ``RES_MAXRETRANS``
(30). Unknown options are ignored by glibc; we keep and report them, and
report lines glibc would skip (with their line numbers).

Other libraries read the same file differently (musl: lines of 255+ bytes are
dropped, only ndots/attempts/timeout are read); :mod:`netdiag.dns.resolver.search`
re-reads :attr:`ResolvConf.text` with each profile's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from netdiag.errors import InputError

#: resolv/resolv.h: MAXNS, RES_MAXNDOTS, RES_MAXRETRY, RES_MAXRETRANS.
MAXNS = 3
RES_MAXNDOTS = 15
RES_MAXRETRY = 5
RES_MAXRETRANS = 30
#: resolv/resolv.h: RES_TIMEOUT, RES_DFLRETRY; ndots defaults to 1.
DEFAULT_TIMEOUT = 5
DEFAULT_ATTEMPTS = 2
DEFAULT_NDOTS = 1

#: Boolean options glibc 2.36 knows (res_init.c ``options[]``).
FLAG_OPTIONS = (
    "rotate",
    "edns0",
    "single-request",
    "single-request-reopen",
    "use-vc",
    "no-aaaa",
    "trust-ad",
    "no-tld-query",
    "no-reload",
    "inet6",
    "insecure1",
    "insecure2",
    "no-check-names",
    "ip6-bytestring",
    "ip6-dotint",
    "no-ip6-dotint",
    "debug",
)
VALUE_OPTIONS = ("ndots", "timeout", "attempts")


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvConfProblem:
    """A line glibc would skip, or an option it does not know."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvConf:
    """The resolver configuration a stub library sees (glibc's reading)."""

    nameservers: tuple[str, ...] = ()
    #: The search list in effect (from the last ``search`` or ``domain`` line).
    search: tuple[str, ...] = ()
    #: Which line kind set :attr:`search`: ``"search"``, ``"domain"`` or ``None``.
    search_source: str | None = None
    ndots: int = DEFAULT_NDOTS
    timeout: int = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    #: Flag options set (``rotate``, ``edns0``, ``single-request``, …), sorted.
    flags: frozenset[str] = frozenset()
    #: Options glibc does not know, as written (``foo``, ``bar:3``).
    unknown_options: tuple[str, ...] = ()
    #: Values of ``ndots/timeout/attempts`` explicitly given (for rendering).
    explicit: tuple[str, ...] = ()
    problems: tuple[ResolvConfProblem, ...] = ()
    #: The text this value was read from (or rendered to); profiles re-read it.
    text: str = field(default="", compare=False)

    def has(self, flag: str) -> bool:
        return flag in self.flags

    @property
    def options(self) -> tuple[str, ...]:
        """Options as ``resolv.conf`` words, deterministic order."""
        words: list[str] = []
        for name in VALUE_OPTIONS:
            if name in self.explicit:
                words.append(f"{name}:{getattr(self, name)}")
        words.extend(sorted(self.flags))
        words.extend(self.unknown_options)
        return tuple(words)

    def render(self) -> str:
        return render(self)

    def with_options(self, **changes: object) -> ResolvConf:
        """A copy with some fields changed, its :attr:`text` re-rendered."""
        changed = replace(self, **changes)  # type: ignore[arg-type]
        return replace(changed, text=render(changed))


class _Options:
    """Mutable accumulator for ``options`` words while parsing."""

    __slots__ = ("values", "flags", "explicit", "unknown")

    def __init__(self) -> None:
        self.values = {
            "ndots": DEFAULT_NDOTS,
            "timeout": DEFAULT_TIMEOUT,
            "attempts": DEFAULT_ATTEMPTS,
        }
        self.flags: set[str] = set()
        self.explicit: set[str] = set()
        self.unknown: list[str] = []

    def set(self, word: str, lineno: int) -> ResolvConfProblem | None:
        name, sep, value = word.partition(":")
        if name in VALUE_OPTIONS and sep:
            # res_setoptions uses atoi(): leading digits, anything else is 0.
            digits = ""
            for ch in value:
                if not ch.isdigit():
                    break
                digits += ch
            cap = {"ndots": RES_MAXNDOTS, "timeout": RES_MAXRETRANS, "attempts": RES_MAXRETRY}
            self.values[name] = min(int(digits) if digits else 0, cap[name])
            self.explicit.add(name)
            if not digits:
                return ResolvConfProblem(line=lineno, message=f"option {word!r}: not a number")
            return None
        if name in FLAG_OPTIONS and not sep:
            self.flags.add(name)
            return None
        self.unknown.append(word)
        return ResolvConfProblem(line=lineno, message=f"unknown option {word!r} (glibc ignores it)")


def _nameserver(args: list[str], nameservers: list[str], lineno: int) -> ResolvConfProblem | None:
    if not args:
        return ResolvConfProblem(line=lineno, message="nameserver without address")
    if len(nameservers) >= MAXNS:
        return ResolvConfProblem(
            line=lineno, message=f"nameserver {args[0]} ignored: at most {MAXNS} (MAXNS)"
        )
    nameservers.append(args[0])
    return None


def parse(text: str) -> ResolvConf:
    """Read resolv.conf text the way glibc 2.36 does; never raises."""
    opts = _Options()
    nameservers: list[str] = []
    search: tuple[str, ...] = ()
    source: str | None = None
    problems: list[ResolvConfProblem | None] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        words = line.split()
        keyword, args = words[0], words[1:]
        if keyword == "nameserver":
            problems.append(_nameserver(args, nameservers, lineno))
        elif keyword in ("search", "domain"):
            if not args:
                # res_init.c: an empty search/domain line leaves the list alone.
                problems.append(ResolvConfProblem(line=lineno, message=f"empty {keyword} line"))
                continue
            search = tuple(args) if keyword == "search" else (args[0],)
            source = keyword
        elif keyword == "options":
            problems.extend(opts.set(word, lineno) for word in args)
        elif keyword != "sortlist":
            problems.append(ResolvConfProblem(line=lineno, message=f"unrecognised line {line!r}"))
    return ResolvConf(
        nameservers=tuple(nameservers),
        search=search,
        search_source=source,
        ndots=opts.values["ndots"],
        timeout=max(1, opts.values["timeout"]),
        attempts=max(1, opts.values["attempts"]),
        flags=frozenset(opts.flags),
        unknown_options=tuple(opts.unknown),
        explicit=tuple(sorted(opts.explicit)),
        problems=tuple(p for p in problems if p is not None),
        text=text,
    )


def parse_strict(text: str, *, origin: str) -> ResolvConf:
    """Parse a user-given file: garbage lines are an :class:`InputError`."""
    conf = parse(text)
    garbage = [p for p in conf.problems if "unrecognised line" in p.message]
    if garbage:
        first = garbage[0]
        raise InputError(
            f"{origin}: line {first.line}: {first.message.removeprefix('unrecognised line ')} "
            "is not a resolv.conf line",
            hint="expected nameserver, search, domain, options or sortlist lines",
        )
    return conf


def render(conf: ResolvConf) -> str:
    """resolv.conf text for a value (what a pod's file would contain)."""
    lines = [f"nameserver {ns}" for ns in conf.nameservers]
    if conf.search:
        keyword = "domain" if conf.search_source == "domain" else "search"
        lines.append(f"{keyword} {' '.join(conf.search)}")
    if conf.options:
        lines.append(f"options {' '.join(conf.options)}")
    return "\n".join(lines) + "\n"


def build(
    *,
    nameservers: tuple[str, ...],
    search: tuple[str, ...],
    options: tuple[str, ...] = (),
) -> ResolvConf:
    """A value from kubelet-style parts: rendered, then read back like glibc would."""
    lines = [f"nameserver {ns}" for ns in nameservers]
    if search:
        lines.append("search " + " ".join(search))
    if options:
        lines.append("options " + " ".join(options))
    text = "\n".join(lines) + "\n"
    return parse(text)
