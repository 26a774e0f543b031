"""API keys: where clients send them, and which are accepted."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers, QueryParams

from openlive.errors import CLOSE_POLICY, PolicyViolation
from openlive.server.auth import check_api_key, presented_key, presented_token


def test_key_from_the_header_python_sdk() -> None:
    assert presented_key({"x-goog-api-key": "hk"}, {}) == "hk"


def test_key_from_the_query_js_sdk() -> None:
    assert presented_key({}, {"key": "qk"}) == "qk"


def test_the_same_key_in_header_and_query_is_one_key() -> None:
    # The JS SDK in Node may send both.
    assert presented_key({"x-goog-api-key": "k"}, {"key": "k"}) == "k"


def test_different_keys_in_header_and_query_are_refused_as_ambiguous() -> None:
    with pytest.raises(PolicyViolation) as error:
        presented_key({"x-goog-api-key": "hk"}, {"key": "qk"})
    assert error.value.close_code == CLOSE_POLICY
    assert "more than once with different values" in error.value.reason
    assert "hk" not in error.value.reason and "qk" not in error.value.reason


def test_a_repeated_key_query_parameter_is_refused_when_the_values_differ() -> None:
    with pytest.raises(PolicyViolation, match="different values"):
        presented_key(Headers({}), QueryParams("key=good&key=bad"))
    assert presented_key(Headers({}), QueryParams("key=same&key=same")) == "same"


def test_a_repeated_api_key_header_is_refused_when_the_values_differ() -> None:
    headers = Headers(raw=[(b"x-goog-api-key", b"a"), (b"x-goog-api-key", b"b")])
    with pytest.raises(PolicyViolation, match="different values"):
        presented_key(headers, QueryParams(""))


def test_different_tokens_in_header_and_query_are_refused() -> None:
    with pytest.raises(PolicyViolation, match="ephemeral token is sent more than once"):
        presented_token({"authorization": "Token auth_tokens/a"}, {"access_token": "auth_tokens/b"})
    assert presented_token({"authorization": "Token t"}, QueryParams("access_token=t")) == "t"
    assert presented_token({"authorization": "Bearer x"}, {"access_token": "t"}) == "t"


def test_empty_header_falls_back_to_the_query() -> None:
    assert presented_key({"x-goog-api-key": ""}, {"key": "qk"}) == "qk"


@pytest.mark.parametrize(
    ("headers", "query"),
    [({}, {}), ({"x-goog-api-key": ""}, {"key": ""}), ({"authorization": "Bearer k"}, {"access_token": "k"})],
)
def test_no_key_presented(headers: dict[str, str], query: dict[str, str]) -> None:
    assert presented_key(headers, query) is None


@pytest.mark.parametrize("key", ["k1", "k2"])
def test_configured_keys_are_accepted(key: str) -> None:
    check_api_key(key, ["k1", "k2"])


@pytest.mark.parametrize("key", [None, ""])
def test_missing_key_is_a_policy_violation(key: str | None) -> None:
    with pytest.raises(PolicyViolation) as error:
        check_api_key(key, ["k1"])
    assert error.value.close_code == CLOSE_POLICY
    assert error.value.reason == (
        "missing API key: send it in the x-goog-api-key header or the key query parameter"
    )


@pytest.mark.parametrize("key", ["k3", "k", "k1 ", "K1", "k1k1", "ключ"])
def test_unknown_key_is_a_policy_violation(key: str) -> None:
    with pytest.raises(PolicyViolation) as error:
        check_api_key(key, ["k1", "k2"])
    assert error.value.close_code == CLOSE_POLICY
    assert error.value.reason == "API key not valid. Please pass a valid API key."


@pytest.mark.parametrize("key", [None, "", "anything"])
def test_with_no_keys_configured_any_key_is_accepted(key: str | None) -> None:
    check_api_key(key, [])
