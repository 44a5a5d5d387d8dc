"""serve_on_loopback: start an aiohttp app runner on 127.0.0.1 at a free port."""

from __future__ import annotations

from aiohttp import web


async def serve_on_loopback(runner: web.AppRunner) -> int:
    """Set up `runner`, serve it on 127.0.0.1 at a port the OS picks, and return that port."""
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return int(runner.addresses[0][1])
