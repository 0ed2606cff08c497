"""The HTTP service."""

from triage.api.app import create_app

__all__ = ["create_app"]
