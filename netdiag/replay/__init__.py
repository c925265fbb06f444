"""Replay observed traffic (pcap/pcapng or Hubble flows) against a snapshot or a proposed change.

``flows`` turns records into connections, ``judge`` maps addresses and judges
them (pure), ``read`` is the file edge, ``render`` the text and JSON reports.
"""
