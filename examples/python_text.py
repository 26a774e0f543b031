"""The Live API documentation's text example, pointed at openlive.

export SSL_CERT_FILE=$(.venv/bin/openlive cert)
.venv/bin/python examples/python_text.py
"""

import asyncio
import os

from google import genai

client = genai.Client(
    api_key=os.environ.get("GEMINI_API_KEY", "any-key-on-loopback"),
    http_options={"base_url": os.environ.get("OPENLIVE_BASE_URL", "https://localhost:8443")},
)
model = "gemini-2.0-flash-live-001"
config = {"response_modalities": ["TEXT"]}


async def main() -> None:
    """Send one message and print the streamed reply."""
    async with client.aio.live.connect(model=model, config=config) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Hello, how are you?"}]}, turn_complete=True
        )
        async for response in session.receive():
            if response.text is not None:
                print(response.text, end="")
        print()


if __name__ == "__main__":
    asyncio.run(main())
