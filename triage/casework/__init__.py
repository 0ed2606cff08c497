"""Casework: the queue, opening a notification or a child, reviews, agreements and actions.

Services take a session and never commit; the request (or CLI command) that calls them does.
"""
