"""The cluster's DNS as CoreDNS serves it.

The ``kubernetes`` plugin model, autopath, the upstream zone file and forwarder.
"""
