"""``openlive bench``: latency, overhead and capacity, measured the way a user feels them.

- :mod:`~openlive.bench.speech`: utterances made with espeak-ng, with known voiced bounds;
- :mod:`~openlive.bench.client`: a small Live API client speaking the SDKs' JSON,
  and a real-time microphone;
- :mod:`~openlive.bench.target`: the embedded server (in this process) or a remote one;
- :mod:`~openlive.bench.scenarios`: voice, barge-in, text, capacity, pipeline;
- :mod:`~openlive.bench.turns`: turn-taking (pauses, backchannels, noise, barge-in), on
  the speech of :mod:`~openlive.bench.turn_speech`;
- :mod:`~openlive.bench.runner`: runs the chosen scenarios one after the other;
- :mod:`~openlive.bench.report`: statistics, tables, JSON and the plot;
- :mod:`~openlive.bench.cli`: the command's options.

Importing this package is cheap; the modules above load the server and the
engines only when a benchmark runs.
"""

SCENARIOS = ("voice", "barge-in", "text", "capacity", "pipeline", "turns")
"""Every scenario, in the order a full run takes them."""

ON_REQUEST = ("quality", "tools", "video")
"""Scenarios that run only when named: how right the answers and tool choices are
(:mod:`~openlive.bench.quality`), and what video frames cost (:mod:`~openlive.bench.video`)."""

__all__ = ["ON_REQUEST", "SCENARIOS"]
