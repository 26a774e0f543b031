"""The realtime path of a session, as stages that pass typed events (:mod:`~openlive.pipeline.events`).

Built from the session's setup by the runtime, in this order:

1. voice in (:mod:`~openlive.pipeline.voice_input`): PCM → resampling, VAD and
   endpointing (:mod:`~openlive.pipeline.audio_in`, :mod:`~openlive.pipeline.endpointer`)
   → recognition; emits speech started / resumed, tentative and final transcripts.
2. turn taking (:mod:`~openlive.pipeline.turn_taking`): what those events mean for
   the session, and replies started during a pause
   (:mod:`~openlive.pipeline.speculation`).
3. responder (:mod:`~openlive.pipeline.responder`): a request in, a reply out; today
   the cascade LLM → clauses (:mod:`~openlive.pipeline.clauses`) → TTS
   (:mod:`~openlive.pipeline.speech_out`), buffered in a :class:`~openlive.pipeline.reply.Reply`.
4. pacing (:mod:`~openlive.pipeline.pacing`): chunks out at real time plus a lead.

Stages run on asyncio; model work runs in worker threads (:mod:`~openlive.pipeline.threads`).
A new input (video frames, say) is a new stage beside voice in, feeding the session.
"""
