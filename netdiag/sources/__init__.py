"""Where snapshots come from: manifests on disk, the live API (list and watch), the demo.

The only package that reads files or the network to build a ClusterSnapshot.
"""
