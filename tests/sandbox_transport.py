"""The in-process transport lives in the sandbox app (seed_demo uses it too)."""

from sandbox.transport import ORIGIN, DjangoClientAdapter, mount

__all__ = ["ORIGIN", "DjangoClientAdapter", "mount"]
