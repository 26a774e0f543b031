"""Proactive audio's learned decision: a linear probe of the judge model's state.

The judge model (:mod:`openlive.pipeline.proactivity`) is asked, after worked
examples, whether the words heard were said to the assistant. Its odds of "yes"
and the cues in the words, added with hand-set weights, were right 55-65 % of
the time on speech whose wording the examples did not cover. The model's state
after the question (the last layer's output at the prompt's last token: 1,536
numbers for Qwen2.5-Coder-1.5B) holds much more of what it read: the
conversation, the form and register of the words, a broadcast's style. A
logistic regression over that state, the odds and the cues in the words (a name
said to someone, a wake word, a request's form) - a linear probe
(:mod:`openlive.pipeline.linear_probe`) - is trained
on labelled speech of both kinds (``bench/data/proactive_train_*.json`` and the
evaluation set's tuning splits) by ``python -m openlive.bench.address_training``,
and shipped in ``pipeline/data/address_model.json`` with what it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from openlive.pipeline.linear_probe import LinearProbe

WEIGHTS_FILE = "data/address_model.json"


# The inputs before the state, in order.
EVIDENCE = ("odds", "vocative", "named", "request")


def probe_inputs(
    odds: float, vocative: bool, named: bool, request: bool, state: Sequence[float] | np.ndarray[Any, Any]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The probe's input: the judge model's odds of "yes" (less its lean), the cues in the words, its state.

    The cues (:class:`~openlive.pipeline.proactivity.AddressCues`): a name said to
    someone, the assistant's name or a wake word, the form of a request.
    """
    head = [float(odds), float(vocative), float(named), float(request)]
    return np.concatenate([head, np.asarray(state, dtype=np.float64)])


class AddressModel(LinearProbe):
    """A trained logistic regression (:class:`LinearProbe`): log-odds that speech was for the assistant.

    Its inputs are :func:`probe_inputs`; its offset was chosen on calibration
    splits (``bench/address_training.py`` says how).
    """

    what: ClassVar[str] = "proactive audio's model"
    evidence: ClassVar[tuple[str, ...]] = EVIDENCE
    weights_file: ClassVar[str] = WEIGHTS_FILE
