"""The Live API documentation's tool examples, pointed at openlive.

export SSL_CERT_FILE=$(.venv/bin/openlive cert)
.venv/bin/python examples/python_tools.py          # all four examples
.venv/bin/python examples/python_tools.py lights   # or one: lights, code, search, combined

Search reads the operator's own index: fill it first with
``.venv/bin/openlive index add DOCS_DIR``.
"""

import asyncio
import os
import sys

from google import genai
from google.genai import types

client = genai.Client(
    api_key=os.environ.get("GEMINI_API_KEY", "any-key-on-loopback"),
    http_options={"base_url": os.environ.get("OPENLIVE_BASE_URL", "https://localhost:8443")},
)
model = "gemini-2.0-flash-live-001"

turn_on_the_lights = {"name": "turn_on_the_lights"}
turn_off_the_lights = {"name": "turn_off_the_lights"}

EXAMPLES = {
    "lights": (
        [{"function_declarations": [turn_on_the_lights, turn_off_the_lights]}],
        "Turn on the lights please",
    ),
    "code": ([{"code_execution": {}}], "Compute the largest prime palindrome under 100000."),
    "search": ([{"google_search": {}}], "When did the last Brazil vs. Argentina soccer match happen?"),
    "combined": (
        [
            {"google_search": {}},
            {"code_execution": {}},
            {"function_declarations": [turn_on_the_lights, turn_off_the_lights]},
        ],
        """
Hey, I need you to do three things for me.

1. Compute the largest prime palindrome under 100000.
2. Then use Google Search to look up information about the largest earthquake in California the week of Dec 5 2024?
3. Turn on the lights

Thanks!
""",
    ),
}


async def run(name: str) -> None:
    """Run one example, printing what the model sends back."""
    tools, prompt = EXAMPLES[name]
    config = {"response_modalities": ["TEXT"], "tools": tools}
    print(f"--- {name}: {prompt.strip()}")
    async with client.aio.live.connect(model=model, config=config) as session:
        await session.send_client_content(turns={"parts": [{"text": prompt}]})
        async for chunk in session.receive():
            if chunk.server_content:
                model_turn = chunk.server_content.model_turn
                for part in model_turn.parts or [] if model_turn else []:
                    if part.text:
                        print(part.text, end="", flush=True)
                    if part.executable_code is not None:
                        print(f"[code]\n{part.executable_code.code}\n[/code]")
                    if part.code_execution_result is not None:
                        result = part.code_execution_result
                        print(f"[result {result.outcome}]\n{result.output}[/result]")
                grounding = chunk.server_content.grounding_metadata
                if grounding is not None:
                    sources = [c.web.uri for c in grounding.grounding_chunks or [] if c.web]
                    print(f"\n[grounding] queries={grounding.web_search_queries} sources={sources}")
            elif chunk.tool_call:
                function_responses = []
                for fc in chunk.tool_call.function_calls or []:
                    print(f"[tool call] {fc.name}({fc.args}) id={fc.id}")
                    function_responses.append(
                        types.FunctionResponse(id=fc.id, name=fc.name, response={"result": "ok"})
                    )
                await session.send_tool_response(function_responses=function_responses)
    print()


async def main() -> None:
    """Run the examples named on the command line, or all of them."""
    for name in sys.argv[1:] or list(EXAMPLES):
        await run(name)


if __name__ == "__main__":
    asyncio.run(main())
