"""Realtime stages on asyncio; model work runs in worker threads."""
