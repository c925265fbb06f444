"""How long each stub library waits for a batch of queries. Pure.

One function answers it for the live driver (how long to listen) and for the
model's cost (how long a lookup against a silent server takes), so both follow
the library's own retransmission schedule:

* glibc 2.36 ``resolv/res_send.c`` ``send_dg``: ``seconds = retrans << ns``,
  divided by the server count when ``ns > 0``, at least 1 s, where ``ns`` is
  the *index of the nameserver* being tried (not the attempt): with one server
  every attempt waits ``timeout`` (measured: 2 attempts x 2 candidates x 5 s
  = 20 s against a silent server). The A/AAAA pair shares that wait.
* musl 1.2.3 ``src/network/res_msend.c``: every query goes to every server at
  once and unanswered ones are resent each ``retry_interval = timeout /
  attempts`` until ``timeout`` has passed (measured: 5 s in all). Replies other
  than NOERROR, NXDOMAIN and SERVFAIL (resent at once) are ignored: the wait
  goes on (a FORMERR reply counts as none).
* Go 1.19 ``src/net/dnsclient_unix.go`` ``tryOneName``: each exchange waits
  ``timeout`` (``conf.timeout`` per attempt and server; measured: 10 pairs x
  5 s = 50 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdiag.dns.records import Rcode

if TYPE_CHECKING:
    from netdiag.dns.resolver.profiles import ProfileConfig
    from netdiag.dns.resolver.search import Batch

#: Replies musl's res_msend acts on; any other rcode is read and ignored.
MUSL_HEARD = (Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.SERVFAIL)


def batch_wait(batch: Batch, config: ProfileConfig) -> float:
    """Seconds the library listens for ``batch`` before it moves on."""
    if config.resolver == "glibc":
        servers = config.nameservers
        server = batch[0].nameserver if batch else ""
        ns = servers.index(server) if server in servers else 0
        seconds = config.timeout << ns
        if ns > 0:
            seconds //= len(servers)
        return float(max(seconds, 1))
    if config.resolver == "musl":
        return config.timeout / config.attempts
    return float(config.timeout)


__all__ = ["MUSL_HEARD", "batch_wait"]
