"""Bounds on one connection and the session it serves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionLimits:
    """Bounds on one connection.

    Attributes:
        max_message_bytes: Largest client frame accepted.
        outbox_high_water: Queued server messages at which generation pauses
            until the client reads.
        outbox_limit: Queued server messages at which the client is deemed not
            to be reading, and is closed.
        max_audio_ahead_s: How far the client's audio may run ahead of real time
            (a file sent at once is fine; an endless flood is closed).
        max_audio_backlog_s: Audio waiting to be processed before the client is closed.
        audio_idle_end_s: A pause in the audio stream this long ends an utterance in
            progress, as ``audioStreamEnd`` would.
        audio_lead_s: How far spoken replies may run ahead of real time (the
            client's playback buffer); ``None`` sends audio as fast as it is made.
        session_limit_s: A connection of a session without context window
            compression ends after this long (``None``: no limit); the Live API's
            limit for audio sessions is 15 minutes.
        video_session_limit_s: The same for a session once it has sent video (the
            Live API's limit for audio plus video sessions is 2 minutes), counted
            from the setup; ``None``: no limit of its own.
        connection_limit_s: Every connection ends after this long, compression or
            not (a planned reset; clients resume with their handle). ``None``: never.
        go_away_notice_s: ``goAway.timeLeft`` before a limit closes the connection.
        max_video_fps: Video frames a second a client may send on average (clients
            send about one); a client past it by ``video_burst`` frames is closed, as
            each frame costs the server its parsing whatever is done with it.
        video_burst: Frames a client may send ahead of ``max_video_fps``.
        backchannels: Speech heard while a reply plays holds the reply until it is
            judged: a backchannel or noise lets it go on (see
            :mod:`openlive.pipeline.barge_in`); off: any speech interrupts at once.
    """

    max_message_bytes: int = 8 * 1024 * 1024
    outbox_high_water: int = 64
    outbox_limit: int = 4096
    max_audio_ahead_s: float = 60.0
    max_audio_backlog_s: float = 75.0
    audio_idle_end_s: float = 1.0
    audio_lead_s: float | None = 1.0
    session_limit_s: float | None = 15 * 60
    video_session_limit_s: float | None = 2 * 60
    connection_limit_s: float | None = None
    go_away_notice_s: float = 5.0
    max_video_fps: float = 10.0
    video_burst: int = 30
    backchannels: bool = True
