"""Screens: one per mode, plus modal dialogs."""
