"""``openlive bench``: its options, and running it from parsed arguments."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from openlive.bench import ON_REQUEST, SCENARIOS

if TYPE_CHECKING:
    from openlive.bench.report import ScenarioResult
    from openlive.bench.scenarios import BenchOptions
    from openlive.bench.target import Target

DESCRIPTION = """\
Measure openlive the way a user feels it, over the real WebSocket path with the
JSON messages the official SDKs send. Scenarios (all by default, in this order):

  voice     spoken utterances (espeak-ng: several voices, rates and lengths),
            streamed in real time in 20-40 ms chunks: time from the last voiced
            sample to the first reply audio byte, and from there to turnComplete;
            with --embedded, the server's own timings beside them
            (end-of-speech detection, transcription, first token)
  barge-in  the user interjects during a long spoken reply: time from the first
            voiced sample to `interrupted`, and the reply audio that still
            arrived after it
  text      time to first token and tokens/s through openlive, against the same
            engine called directly in this process with the same prompt
  capacity  1, 2, 4, 8 ... concurrent voice sessions (up to --sessions) until the
            95th percentile passes 1 s; server memory per idle/talking session
  pipeline  the voice utterances through a plain sequential cascade of the same
            engines (whole transcript, whole reply, whole synthesis): the baseline
  turns     turn-taking on its own speech set: sentences with a 300-700 ms pause
            inside (split rate), questions (end of speech to first audio),
            backchannels, coughs and steady noise during a reply (false
            interrupts), interjections (time to `interrupted`); with the embedded
            server, before (silence alone) and after (turn model) side by side

Run only when named:

  quality   a question set with answer keys (facts, arithmetic, instructions,
            memory, "I don't know"), one text session each, scored; then 30
            different questions in one session: do the replies collapse?
  tools     a request set over eight functions, code and search, through each
            tool planner the engine can use: function choice right, arguments
  video     a frame's cost at each mediaResolution (check, decode and scale,
            describe, re-encode for a vision engine), then voice latency with
            screen frames streaming at 1 fps beside the same without, alternating

`openlive bench asr` (options: openlive bench asr --help) measures the speech
recognisers instead: word error rate and recognition time on a speech set.
The native-audio settings have their own, each with its options (--help):
`openlive bench proactive` (is speech for the assistant judged right?),
`openlive bench affect` (do calm and upset speech get different replies?),
`openlive bench speaking-rate` (do the voices speak slower at their own pitch?) and
`openlive bench thinking` (reasoning questions with and without thinking).
`openlive bench code` scores the programs a model writes for compute tasks.

Prints progress while it runs and a table at the end (median, 95th percentile,
worst and count of each figure), writes the raw samples as JSON and draws the
latency distributions as a PNG. Benchmarks report numbers; they assert nothing."""

DEFAULT_MODEL = "gemini-2.0-flash-live-001"

# Benches with options of their own: ``openlive bench NAME ...`` runs the module's ``main``.
OWN_OPTIONS = {
    "asr": "openlive.bench.asr",
    "proactive": "openlive.bench.proactive",
    "affect": "openlive.bench.affect",
    "speaking-rate": "openlive.bench.speaking_rate",
    "thinking": "openlive.bench.thinking",
    "code": "openlive.bench.code",
}


def run_own(name: str, argv: Sequence[str]) -> int:
    """Run the bench ``name`` of :data:`OWN_OPTIONS` on its own arguments; its exit status."""
    import importlib

    bench_main: Callable[[Sequence[str]], int] = importlib.import_module(OWN_OPTIONS[name]).main
    return bench_main(list(argv))


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``bench`` subcommand to ``commands`` (an argparse subparsers action)."""
    bench: argparse.ArgumentParser = commands.add_parser(
        "bench",
        help="measure latency, overhead and capacity (voice, barge-in, text, capacity, pipeline)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenarios to run: {', '.join(SCENARIOS + ON_REQUEST)} (default: {', '.join(SCENARIOS)})",
    )
    where = bench.add_mutually_exclusive_group()
    where.add_argument(
        "--server",
        metavar="URL",
        help="benchmark a running server: ws://, wss:// (trusts SSL_CERT_FILE if set), http:// or "
        "https:// base URL, or the full Live endpoint URL",
    )
    where.add_argument(
        "--embedded",
        action="store_true",
        help="start a server in this process on the embedded default models, on loopback without "
        "TLS, built as `openlive serve` builds it (the default); adds the server-side timings",
    )
    bench.add_argument(
        "--sessions",
        type=int,
        default=8,
        metavar="N",
        help="capacity: most concurrent voice sessions to try, doubling from 1 (default 8)",
    )
    bench.add_argument(
        "--utterances",
        type=int,
        default=20,
        metavar="N",
        help="utterances (or prompts) for voice, barge-in, text and pipeline; capacity has each "
        "session speak max(2, N/10) per level (default 20)",
    )
    bench.add_argument(
        "--json",
        default="openlive-bench.json",
        metavar="FILE",
        help="where to write the raw samples and statistics (default openlive-bench.json; '' for none)",
    )
    bench.add_argument(
        "--plot",
        default="openlive-bench.png",
        metavar="FILE.png",
        help="where to draw the latency distributions (default openlive-bench.png; '' for none; "
        "needs matplotlib)",
    )
    bench.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"model name the sessions ask for (default {DEFAULT_MODEL})",
    )
    bench.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key sent as x-goog-api-key (default: $GEMINI_API_KEY or $GOOGLE_API_KEY, else "
        "'bench', which a loopback server without keys accepts)",
    )
    bench.add_argument(
        "--server-pid",
        type=int,
        metavar="PID",
        help="with --server: the server's process id on this machine, to report its memory",
    )
    return bench


def options_from_args(args: argparse.Namespace) -> BenchOptions:
    """The benchmark options the arguments ask for."""
    from openlive.bench.scenarios import BenchOptions

    return BenchOptions(utterances=args.utterances, sessions=args.sessions)


def check_args(args: argparse.Namespace) -> list[str]:
    """The scenarios to run, checked.

    Raises:
        ValueError: An unknown scenario or a count below 1.
    """
    names = list(dict.fromkeys(args.scenarios)) or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS + ON_REQUEST]
    if unknown:
        raise ValueError(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS + ON_REQUEST)}")
    if args.utterances < 1 or args.sessions < 1:
        raise ValueError("--utterances and --sessions must be at least 1")
    if args.server_pid is not None and not args.server:
        raise ValueError("--server-pid goes with --server")
    if args.plot and not args.plot.lower().endswith(".png"):
        raise ValueError(f"--plot {args.plot!r}: the plot is a PNG file; name it FILE.png")
    return names


def run(args: argparse.Namespace, target: Target | None = None) -> int:
    """Run ``openlive bench`` as parsed; ``target`` replaces the embedded server (tests share one).

    Returns:
        The exit status: 0 on success, 2 for bad arguments, 1 when the run failed.
    """
    try:
        names = check_args(args)
    except ValueError as error:
        print(f"openlive bench: {error}", file=sys.stderr)
        return 2
    from openlive.bench.client import BenchError
    from openlive.bench.report import format_report, write_json, write_plot
    from openlive.bench.target import EmbeddedServer, remote_target

    options = options_from_args(args)
    api_key = args.api_key or os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY") or "bench"
    server: EmbeddedServer | None = None
    started = time.time()
    load_at_start = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    try:
        if target is None and args.server:
            target = remote_target(args.server, api_key, args.model, args.server_pid)
        elif target is None:
            options.progress("loading the embedded default models...")
            server = EmbeddedServer(api_key=api_key, model=args.model)
            target = server.start()
        options.progress(f"benchmarking the {target.description}")
        results = asyncio.run(_run(target, names, options))
    except (BenchError, RuntimeError, ValueError) as error:
        print(f"openlive bench: {error}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    print(format_report(results))
    meta = {
        "command": ["openlive", "bench", *(sys.argv[2:] if sys.argv[1:2] == ["bench"] else [])],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "elapsed_s": round(time.time() - started, 1),
        "load_average_at_start": load_at_start,
        "target": target.description,
        "embedded": target.embedded,
        "model": args.model,
        "options": {key: value for key, value in vars(options).items() if key != "progress"},
        "scenarios_run": names,
    }
    if args.json:
        write_json(args.json, results, meta)
        print(f"\nraw samples: {args.json}")
    if args.plot:
        try:
            write_plot(args.plot, results, f"openlive bench - {target.description}")
        except RuntimeError as error:
            print(f"openlive bench: {error}", file=sys.stderr)
            return 1
        print(f"latency plot: {args.plot}")
    return 0


async def _run(target: Target, names: Sequence[str], options: BenchOptions) -> list[ScenarioResult]:
    from openlive.bench.runner import run_scenarios

    return await run_scenarios(target, names, options)
