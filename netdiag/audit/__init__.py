"""``netdiag audit``: isolation and name-resolution findings about a snapshot."""
