"""Rejected records, kept for a person to fix and replay."""
