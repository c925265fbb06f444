"""``netdiag dns serve``: a real UDP+TCP DNS server answering from the cluster zone."""
