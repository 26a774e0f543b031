"""The work a native-audio reply does before its answer: judge the words, then think.

Built by the responder for a request that asks for it (``StartGeneration.gate``,
``StartGeneration.thinking``); runs in the reply's worker thread
(:class:`openlive.pipeline.reply.Reply`), so a reply started ahead of its turn
does it ahead too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from openlive.engines.base import LLM, ChatMessage
from openlive.pipeline.proactivity import JudgeModel, is_addressed
from openlive.pipeline.reply import Prelude, Prepare
from openlive.pipeline.thinking import RunCode, answer_messages, think
from openlive.session import StartGeneration

log = logging.getLogger(__name__)


def native_prepare(
    llm: LLM,
    request: StartGeneration,
    judge: JudgeModel | None = None,
    run_code: RunCode | None = None,
    judged_for: LLM | None = None,
) -> Prepare | None:
    """The work before ``request``'s answer; ``None`` when it asks for none (no extra model call).

    ``judge`` judges proactive audio for a tiny ``judged_for`` (default ``llm``: the
    engine that writes the reply); without it, that engine judges. ``run_code`` runs
    the thinking's program (``None``: the working is prose).
    """
    if not request.gate and request.thinking is None:
        return None
    plan = request.thinking
    judged = judged_for or llm

    def _addressed(messages: Sequence[ChatMessage], cancel: threading.Event) -> bool:
        judging = judge.for_reply(judged) if judge else judged
        classifier = judge.classifier_for(judging) if judge else None
        return is_addressed(judging, messages, cancel, classifier=classifier)

    def prepare(messages: Sequence[ChatMessage], cancel: threading.Event) -> Prelude:
        if request.gate and not _addressed(messages, cancel):
            log.info("proactive audio: the words were not for the assistant; no reply")
            return Prelude(declined=True)
        if plan is None or cancel.is_set():
            return Prelude()
        thoughts = think(llm, messages, plan, request.params, cancel, run_code)
        return Prelude(
            thoughts=thoughts.text,
            thought_tokens=thoughts.tokens,
            messages=tuple(answer_messages(messages, thoughts)),
        )

    return prepare
