"""Talk to openlive with a plain WebSocket client: no SDK, just the wire messages.

export SSL_CERT_FILE=$(.venv/bin/openlive cert)   # trust the server's self-signed certificate
.venv/bin/python examples/plain_websocket.py "Hello, how are you?"

The server is at OPENLIVE_BASE_URL (default https://localhost:8443; http:// for a
server started with --no-tls); the key is GEMINI_API_KEY (any key is accepted by a
server with no keys configured).
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import sys

from websockets.asyncio.client import connect

# The same address the SDK examples use; the WebSocket scheme follows from it.
BASE_URL = os.environ.get("OPENLIVE_BASE_URL", "https://localhost:8443")
BASE = BASE_URL.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
API_KEY = os.environ.get("GEMINI_API_KEY", "any-key-on-loopback")
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"


async def main(prompt: str) -> None:
    """Send one text turn and print the reply as it streams."""
    context = (
        ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE")) if BASE.startswith("wss") else None
    )
    async with connect(BASE + PATH, ssl=context, additional_headers={"x-goog-api-key": API_KEY}) as ws:
        setup = {
            "model": "models/gemini-2.0-flash-live-001",
            "generationConfig": {"responseModalities": ["TEXT"]},
        }
        await ws.send(json.dumps({"setup": setup}))
        print("<-", await ws.recv(), file=sys.stderr)
        turn = {"role": "user", "parts": [{"text": prompt}]}
        await ws.send(json.dumps({"clientContent": {"turns": [turn], "turnComplete": True}}))
        async for frame in ws:
            message = json.loads(frame)
            content = message.get("serverContent", {})
            for part in content.get("modelTurn", {}).get("parts", []):
                print(part.get("text", ""), end="", flush=True)
            if content.get("turnComplete"):
                print("\n<- usage:", json.dumps(message.get("usageMetadata")), file=sys.stderr)
                return


if __name__ == "__main__":
    asyncio.run(main(" ".join(sys.argv[1:]) or "Hello, how are you?"))
