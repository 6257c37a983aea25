"""The embedded Zendesk: a real HTTP server on loopback speaking the Support API, state in SQLite."""

from commops.sandbox.faults import FaultSpec, parse_faults
from commops.sandbox.placeholders import render_placeholders
from commops.sandbox.server import SandboxServer, seeded_server, start_embedded
from commops.sandbox.store import SandboxStore

__all__ = [
    "FaultSpec",
    "SandboxServer",
    "SandboxStore",
    "parse_faults",
    "render_placeholders",
    "seeded_server",
    "start_embedded",
]
