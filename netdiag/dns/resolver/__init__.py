"""The stub-resolver simulator.

resolv.conf and kubelet's generation of it, the glibc/musl/Go search profiles,
the two drivers (the cluster model, a live nameserver), traces and advice.
"""
