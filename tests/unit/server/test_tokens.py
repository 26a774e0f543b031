"""Ephemeral tokens: minting (defaults, timestamps, refusals) and applying their locks to a setup."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from openlive.errors import CLOSE_INVALID_ARGUMENT, CLOSE_POLICY, InvalidArgument, PolicyViolation
from openlive.server.tokens import (
    DEFAULT_EXPIRE_S,
    DEFAULT_NEW_SESSION_EXPIRE_S,
    TOKEN_PREFIX,
    apply_token,
    format_timestamp,
    locked_paths,
    mint,
    parse_timestamp,
    require_token_name,
    token_json,
)
from openlive.store import TokenRecord

NOW = 1_750_000_000.0  # 2025-06-15T15:06:40Z
OWNER = "owner-fingerprint"
MODEL = "models/gemini-2.0-flash-live-001"


def rfc3339(unix: float, suffix: str = "Z") -> str:
    moment = datetime.datetime.fromtimestamp(unix, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + suffix


def token(setup: dict[str, Any] | None = None, mask: tuple[str, ...] | None = None) -> TokenRecord:
    return TokenRecord(
        name=TOKEN_PREFIX + "t",
        owner=OWNER,
        uses_left=1,
        expire_time=NOW + 600,
        new_session_expire_time=NOW + 60,
        setup=setup,
        field_mask=mask,
    )


# -- minting -------------------------------------------------------------------------


def test_mint_defaults_one_use_30_minutes_and_one_minute_for_new_sessions() -> None:
    record = mint({}, owner=OWNER, now=NOW)
    assert record.name.startswith(TOKEN_PREFIX) and len(record.name) > len(TOKEN_PREFIX) + 20
    assert record.owner == OWNER
    assert record.uses_left == 1
    assert record.expire_time == NOW + DEFAULT_EXPIRE_S == NOW + 30 * 60
    assert record.new_session_expire_time == NOW + DEFAULT_NEW_SESSION_EXPIRE_S == NOW + 60
    assert record.setup is None and record.field_mask is None


def test_minted_names_are_unguessable_and_distinct() -> None:
    names = {mint({}, owner=OWNER, now=NOW).name for _ in range(50)}
    assert len(names) == 50


def test_the_default_new_session_time_never_passes_an_early_expire_time() -> None:
    record = mint({"expireTime": rfc3339(NOW + 20)}, owner=OWNER, now=NOW)
    assert record.expire_time == NOW + 20
    assert record.new_session_expire_time == NOW + 20


def test_mint_takes_camel_and_snake_case_fields() -> None:
    camel = mint(
        {"uses": 3, "expireTime": rfc3339(NOW + 900), "newSessionExpireTime": rfc3339(NOW + 120)},
        owner=OWNER,
        now=NOW,
    )
    snake = mint(
        {"uses": 3, "expire_time": rfc3339(NOW + 900), "new_session_expire_time": rfc3339(NOW + 120)},
        owner=OWNER,
        now=NOW,
    )
    for record in (camel, snake):
        assert (record.uses_left, record.expire_time, record.new_session_expire_time) == (
            3,
            NOW + 900,
            NOW + 120,
        )


@pytest.mark.parametrize(
    "text",
    [
        "2025-06-15T15:16:40Z",
        "2025-06-15T15:16:40z",
        "2025-06-15T15:16:40+00:00",
        "2025-06-15T17:16:40+02:00",
        "2025-06-15T15:16:40.000Z",
        "2025-06-15T15:16:40.000000+00:00",
    ],
)
def test_rfc3339_timestamps_parse_with_z_or_an_offset(text: str) -> None:
    assert parse_timestamp(text, "expireTime") == NOW + 600


def test_format_timestamp_round_trips() -> None:
    text = format_timestamp(NOW + 0.25)
    assert text.endswith("Z")
    assert parse_timestamp(text, "x") == NOW + 0.25


@pytest.mark.parametrize("value", ["tomorrow", "2025-13-01T00:00:00Z", "", 1_750_000_600, None])
def test_a_malformed_timestamp_is_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(InvalidArgument) as raised:
        mint({"expireTime": value}, owner=OWNER, now=NOW)
    assert "expireTime" in raised.value.reason
    assert raised.value.close_code == CLOSE_INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"uses": -1}, "uses"),
        ({"uses": 1.5}, "uses"),
        ({"uses": "2"}, "uses"),
        ({"uses": True}, "uses"),
        ({"uses": 10**9}, "uses"),
        ({"expireTime": rfc3339(NOW - 1)}, "expireTime must be in the future"),
        ({"expireTime": rfc3339(NOW)}, "expireTime must be in the future"),
        ({"expireTime": rfc3339(NOW + 21 * 3600)}, "expireTime must be within 20 hours"),
        (
            {"expireTime": rfc3339(NOW + 600), "newSessionExpireTime": rfc3339(NOW + 601)},
            "newSessionExpireTime must not be after expireTime",
        ),
        (
            {"newSessionExpireTime": rfc3339(NOW + 31 * 60)},
            "newSessionExpireTime must not be after expireTime",
        ),
        ({"name": "auth_tokens/mine"}, "unknown field 'name'"),
        ({"usess": 1}, "unknown field 'usess'"),
        ({"fieldMask": 5}, "fieldMask"),
        ({"fieldMask": ["generationConfig", 3]}, "fieldMask"),
        ({"fieldMask": {"paths": ["model"]}}, "fieldMask"),
        ({"bidiGenerateContentSetup": {"model": MODEL, "nonsense": 1}}, "nonsense"),
        ({"bidiGenerateContentSetup": {"generationConfig": {"temperature": "hot"}}}, "temperature"),
    ],
    ids=[
        "negative-uses",
        "fractional-uses",
        "string-uses",
        "bool-uses",
        "too-many-uses",
        "expire-in-the-past",
        "expire-now",
        "expire-too-far",
        "new-session-after-expire",
        "default-expire-before-new-session",
        "output-only-name",
        "misspelt-field",
        "mask-number",
        "mask-list-of-non-strings",
        "mask-object",
        "setup-unknown-field",
        "setup-bad-value",
    ],
)
def test_a_bad_request_is_refused_with_a_reason(body: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        mint(body, owner=OWNER, now=NOW)
    assert words in raised.value.reason
    assert raised.value.close_code == CLOSE_INVALID_ARGUMENT


@pytest.mark.parametrize("body", [[], "uses=1", None, 3])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    with pytest.raises(InvalidArgument, match="JSON object"):
        mint(body, owner=OWNER, now=NOW)


def test_zero_uses_means_no_limit_as_the_api_documents() -> None:
    record = mint({"uses": 0}, owner=OWNER, now=NOW)
    # The stores' convention for an unlimited token.
    assert record.uses_left < 0


def test_a_locked_setup_is_kept_in_canonical_form() -> None:
    record = mint(
        {
            "bidi_generate_content_setup": {
                "model": MODEL,
                "generation_config": {"temperature": 0.2, "response_modalities": ["TEXT"]},
                "system_instruction": {"parts": [{"text": "be brief"}]},
            }
        },
        owner=OWNER,
        now=NOW,
    )
    assert record.setup == {
        "model": MODEL,
        "generationConfig": {"temperature": 0.2, "responseModalities": ["TEXT"]},
        "systemInstruction": {"parts": [{"text": "be brief"}]},
    }


@pytest.mark.parametrize(
    ("mask", "paths"),
    [
        ("generationConfig.top_k", ("generationConfig.topK",)),
        ("generation_config.top_k", ("generationConfig.topK",)),
        (
            "generationConfig.temperature, system_instruction ,model",
            ("generationConfig.temperature", "systemInstruction", "model"),
        ),
        (["generation_config.max_output_tokens", "model"], ("generationConfig.maxOutputTokens", "model")),
        ("", None),
        ([], None),
    ],
)
def test_field_mask_paths_are_converted_to_camel_case(mask: Any, paths: tuple[str, ...] | None) -> None:
    record = mint({"fieldMask": mask}, owner=OWNER, now=NOW)
    assert record.field_mask == paths


def test_token_json_is_the_auth_token_the_sdk_reads() -> None:
    record = mint({"uses": 2}, owner=OWNER, now=NOW)
    body = token_json(record)
    assert body["name"] == record.name
    assert body["uses"] == 2
    assert parse_timestamp(body["expireTime"], "x") == record.expire_time
    assert parse_timestamp(body["newSessionExpireTime"], "x") == record.new_session_expire_time
    assert "owner" not in body


# -- locks ---------------------------------------------------------------------------


LOCKED = {
    "model": MODEL,
    "generationConfig": {"temperature": 0.2, "responseModalities": ["TEXT"]},
    "systemInstruction": {"parts": [{"text": "be brief"}]},
}


def test_without_a_mask_every_field_the_token_sets_is_locked() -> None:
    assert set(locked_paths(token(LOCKED))) == {
        "model",
        "generationConfig.temperature",
        "generationConfig.responseModalities",
        "systemInstruction.parts",
    }


def test_with_a_mask_only_the_masked_paths_are_locked() -> None:
    assert locked_paths(token(LOCKED, mask=("generationConfig.temperature",))) == (
        "generationConfig.temperature",
    )


def test_a_token_without_a_setup_locks_nothing_and_changes_nothing() -> None:
    client = {"model": MODEL, "generationConfig": {"temperature": 1.5}}
    assert locked_paths(token()) == ()
    assert apply_token(token(), client) == client


@pytest.mark.parametrize(
    ("client", "path"),
    [
        ({"model": MODEL, "generationConfig": {"temperature": 0.9}}, "generationConfig.temperature"),
        ({"model": MODEL, "generationConfig": {"responseModalities": ["AUDIO"]}}, "responseModalities"),
        ({"model": MODEL, "systemInstruction": {"parts": [{"text": "be verbose"}]}}, "systemInstruction"),
    ],
)
def test_changing_a_locked_field_is_refused_naming_it(client: dict[str, Any], path: str) -> None:
    with pytest.raises(PolicyViolation) as raised:
        apply_token(token(LOCKED), client)
    assert path in raised.value.reason
    assert "locked" in raised.value.reason
    assert raised.value.close_code == CLOSE_POLICY


def test_locked_fields_left_unset_or_equal_are_filled_from_the_token() -> None:
    client = {"model": MODEL, "generationConfig": {"temperature": 0.2, "topK": 5}}
    effective = apply_token(token(LOCKED), client)
    assert effective == {
        "model": MODEL,
        "generationConfig": {"temperature": 0.2, "topK": 5, "responseModalities": ["TEXT"]},
        "systemInstruction": {"parts": [{"text": "be brief"}]},
    }
    # The client's setup is not changed in place.
    assert client == {"model": MODEL, "generationConfig": {"temperature": 0.2, "topK": 5}}


def test_unlocked_token_fields_are_defaults_the_client_may_change() -> None:
    locked_temperature = token(LOCKED, mask=("generationConfig.temperature",))
    # Unset by the client: the token's values fill in.
    effective = apply_token(locked_temperature, {"model": MODEL})
    assert effective["generationConfig"] == {"temperature": 0.2, "responseModalities": ["TEXT"]}
    assert effective["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    # Set by the client: its values win for fields the mask leaves open.
    client = {
        "model": MODEL,
        "generationConfig": {"responseModalities": ["AUDIO"]},
        "systemInstruction": {"parts": [{"text": "mine"}]},
    }
    effective = apply_token(locked_temperature, client)
    assert effective["generationConfig"] == {"responseModalities": ["AUDIO"], "temperature": 0.2}
    assert effective["systemInstruction"] == {"parts": [{"text": "mine"}]}
    # The one masked field is still locked.
    with pytest.raises(PolicyViolation, match=r"generationConfig\.temperature"):
        apply_token(locked_temperature, {"model": MODEL, "generationConfig": {"temperature": 1.0}})


def test_a_masked_field_the_token_leaves_unset_must_stay_unset() -> None:
    locked = token({"model": MODEL}, mask=("generationConfig.topK",))
    assert "topK" not in apply_token(locked, {"model": MODEL, "generationConfig": {}})["generationConfig"]
    with pytest.raises(PolicyViolation, match=r"generationConfig\.topK"):
        apply_token(locked, {"model": MODEL, "generationConfig": {"topK": 3}})


@pytest.mark.parametrize(
    ("locked_model", "client_model"),
    [
        (MODEL, MODEL),
        (MODEL, MODEL.removeprefix("models/")),
        (MODEL.removeprefix("models/"), MODEL),
    ],
    ids=["same", "client-without-prefix", "token-without-prefix"],
)
def test_a_locked_model_matches_with_or_without_the_models_prefix(
    locked_model: str, client_model: str
) -> None:
    effective = apply_token(token({"model": locked_model}), {"model": client_model})
    assert effective["model"] == locked_model


@pytest.mark.parametrize("client_model", ["models/gemini-2.5-flash", "gemini-2.5-flash"])
def test_another_model_than_the_locked_one_is_refused(client_model: str) -> None:
    with pytest.raises(PolicyViolation) as raised:
        apply_token(token({"model": MODEL}), {"model": client_model})
    assert "setup.model is locked" in raised.value.reason


# -- presenting ----------------------------------------------------------------------


def test_a_constrained_connection_needs_an_auth_tokens_name() -> None:
    assert require_token_name("auth_tokens/abc") == "auth_tokens/abc"
    with pytest.raises(PolicyViolation, match="missing ephemeral token"):
        require_token_name(None)
    with pytest.raises(PolicyViolation, match="auth_tokens/"):
        require_token_name("an-api-key")


def test_locking_session_resumption_leaves_the_client_its_handle() -> None:
    locked = token({"model": MODEL, "sessionResumption": {}})
    effective = apply_token(locked, {"model": MODEL, "sessionResumption": {"handle": "the-handle"}})
    assert effective["sessionResumption"] == {"handle": "the-handle"}


def _deep(depth: int) -> Any:
    value: Any = "TEXT"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"uses": float("nan")}, "uses is not a finite number"),
        (
            {"bidiGenerateContentSetup": {"model": "m", "generationConfig": {"temperature": float("inf")}}},
            "bidiGenerateContentSetup.generationConfig.temperature is not a finite number",
        ),
        (
            {
                "bidiGenerateContentSetup": {
                    "model": "m",
                    "systemInstruction": {"parts": [{"text": "\udfff"}]},
                }
            },
            "lone UTF-16 surrogate",
        ),
        (
            {
                "bidiGenerateContentSetup": {
                    "model": "m",
                    "generationConfig": {"responseModalities": _deep(900)},
                }
            },
            "nested more than 100 levels deep",
        ),
        ({"uses": 10**5000}, "more than 400 digits"),
    ],
    ids=["nan", "infinity-in-setup", "surrogate-in-setup", "deep-in-setup", "huge-integer"],
)
def test_hostile_json_in_a_token_request_is_refused(body: dict[str, Any], words: str) -> None:
    # The auth_tokens body is decoded by plain json.loads, which accepts all of these.
    with pytest.raises(InvalidArgument) as raised:
        mint(body, owner=OWNER, now=NOW)
    assert words in raised.value.reason
