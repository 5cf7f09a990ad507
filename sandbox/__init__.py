"""Local sandboxes of the lemlist and Smartlead APIs, for tests, the demo and the benchmark."""

from __future__ import annotations

import typing as t

from sandbox.lemlist import LemlistApp
from sandbox.server import Sandbox
from sandbox.smartlead import SmartleadApp

APPS: dict[str, t.Callable[[], t.Any]] = {"lemlist": LemlistApp, "smartlead": SmartleadApp}


def start(app: str, *, port: int = 0, host: str = "127.0.0.1") -> Sandbox:
    """A running sandbox of ``app`` on ``host:port`` (0 picks a free port)."""
    server = Sandbox(APPS[app](), host=host, port=port)
    server.serve_in_thread()
    return server
