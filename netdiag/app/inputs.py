"""The extra files a question names besides the cluster: read within the input limits.

``--resolv-conf FILE`` (a pod's resolver settings, parsed strictly) and
``--upstream-zone FILE`` (an RFC 1035 zone for names outside the cluster).
Devices and FIFOs are refused and sizes bounded like manifests
(:mod:`netdiag.sources.bounded`); unreadable files are one-line input errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netdiag.dns.resolver.resolvconf import ResolvConf
    from netdiag.dns.zone.upstream import UpstreamZone


def read_resolv_conf(path: str) -> ResolvConf:
    from netdiag.dns.resolver.resolvconf import parse_strict
    from netdiag.limits import current
    from netdiag.sources.bounded import read_text

    text = read_text(path, current(), f"--resolv-conf {path}")
    return parse_strict(text, origin=path)


def load_upstream_zone(path: str) -> UpstreamZone:
    from netdiag.dns.zone.upstream import parse_zone_text
    from netdiag.limits import current
    from netdiag.sources.bounded import read_text

    text = read_text(path, current(), f"--upstream-zone {path}")
    return parse_zone_text(text, filename=path)
