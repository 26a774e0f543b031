"""How a session's language is chosen: hearing, answering, speaking."""

from __future__ import annotations

import pytest

from openlive.engines.audio_base import LIVE_API_LANGUAGES
from openlive.engines.language import (
    LanguagePlan,
    follows_speaker,
    language_instruction,
    plan_languages,
    primary,
    spoken_language,
)

ENGLISH_ONLY = ("en",)
MULTILINGUAL = ("en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "nl", "ar", "it", "hi")
HALF_CASCADE = "gemini-2.0-flash-live-001"
NATIVE = "gemini-2.5-flash-native-audio-preview-12-2025"


@pytest.mark.parametrize(
    ("tag", "code"),
    [("de-DE", "de"), ("en-US", "en"), ("fr-CA", "fr"), ("cmn-CN", "zh"), ("PT_br", "pt"), ("it", "it")],
)
def test_primary_subtag_is_whispers_code(tag: str, code: str) -> None:
    assert primary(tag) == code


@pytest.mark.parametrize(
    ("model", "follows"),
    [
        (NATIVE, True),
        ("models/gemini-2.5-flash-preview-native-audio-dialog", True),
        (HALF_CASCADE, False),
        ("gemini-live-2.5-flash-preview", False),
    ],
)
def test_native_audio_names_follow_the_speaker(model: str, follows: bool) -> None:
    assert follows_speaker(model) is follows


def test_a_language_code_the_recogniser_knows_is_heard_in_it() -> None:
    assert plan_languages("de-DE", HALF_CASCADE, MULTILINGUAL, LIVE_API_LANGUAGES) == LanguagePlan(hear="de")
    assert plan_languages("fr-FR", NATIVE, MULTILINGUAL, LIVE_API_LANGUAGES) == LanguagePlan(hear="fr")


def test_a_language_code_an_english_model_cannot_hear_is_heard_as_english_and_noted() -> None:
    plan = plan_languages("de-DE", HALF_CASCADE, ENGLISH_ONLY, LIVE_API_LANGUAGES)
    assert plan.hear == "en"
    assert not plan.follows_speaker
    [note] = plan.notes
    assert "de-DE" in note and "German" in note and "only en" in note


def test_no_language_code_on_a_half_cascade_model_is_english_without_a_note() -> None:
    for heard in (ENGLISH_ONLY, MULTILINGUAL):
        assert plan_languages(None, HALF_CASCADE, heard, LIVE_API_LANGUAGES) == LanguagePlan(hear="en")


def test_a_native_audio_model_with_a_multilingual_recogniser_detects_among_spoken_languages() -> None:
    plan = plan_languages(None, NATIVE, MULTILINGUAL, ("en-US", "de-DE", "fr-FR", "sw-KE"))
    assert plan.hear is None and plan.follows_speaker and not plan.notes
    assert plan.among == ("en", "de", "fr")  # Swahili: not heard by this recogniser


def test_a_native_audio_model_with_an_english_recogniser_hears_english_and_says_so() -> None:
    plan = plan_languages(None, NATIVE, ENGLISH_ONLY, LIVE_API_LANGUAGES)
    assert plan.hear == "en" and not plan.follows_speaker
    [note] = plan.notes
    assert NATIVE in note and "only en" in note


def test_spoken_language_prefers_the_current_form_then_the_country_form() -> None:
    spoken = LIVE_API_LANGUAGES
    assert spoken_language("de", spoken) == "de-DE"
    assert spoken_language("fr", spoken) == "fr-FR"
    assert spoken_language("fr", spoken, current="fr-CA") == "fr-CA"
    assert spoken_language("en", spoken) == "en-US"  # en-AU comes first in the list
    assert spoken_language("en", spoken, current="en-GB") == "en-GB"
    assert spoken_language("en", spoken, current="de-DE") == "en-US"
    assert spoken_language("es", spoken) == "es-ES"
    assert spoken_language("zh", spoken) == "cmn-CN"
    assert spoken_language("hi", ("en-US",)) is None


def test_the_instruction_names_the_language_and_is_empty_for_english() -> None:
    assert language_instruction(None) == ""
    assert language_instruction("en-US") == ""
    assert language_instruction("en") == ""
    german = language_instruction("de-DE")
    assert "German" in german and "de-DE" in german
    assert "French" in language_instruction("fr")
