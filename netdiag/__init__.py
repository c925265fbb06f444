"""netdiag: Kubernetes DNS and network-isolation diagnostics.

Importing the package imports nothing else: the CLI start-up budget depends on it.
"""

__version__ = "0.1.0"
