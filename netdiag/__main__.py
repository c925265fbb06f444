"""``python -m netdiag`` runs the CLI."""

from netdiag.cli import main

main()
