"""Package data: the published JSON Schemas of netdiag's export documents."""
