"""The twin command line."""

from twin.cli.app import main

__all__ = ["main"]
