"""Settings: defaults, then a TOML file, then OPENLIVE_* variables, then flags."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from openlive.config import DEFAULT_PORT, EMBEDDED_ENGINE, EngineSpec, Settings, load_settings
from openlive.engines.registry import DEFAULT_MODELS
from openlive.errors import ConfigError

WriteConfig = Callable[[str], Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    def write(text: str) -> Path:
        path = tmp_path / "openlive.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_defaults() -> None:
    settings = load_settings(environ={})
    assert settings == Settings()
    assert (settings.host, settings.port, settings.tls) == ("127.0.0.1", DEFAULT_PORT, True)
    assert settings.api_keys == []
    assert settings.log_level == "info" and settings.log_json is False
    assert settings.engines == {EMBEDDED_ENGINE: EngineSpec()}
    assert settings.models == {name: EMBEDDED_ENGINE for name in DEFAULT_MODELS}
    assert settings.loopback
    settings.check()


def test_defaults_are_not_shared_between_instances() -> None:
    first = Settings()
    first.api_keys.append("k")
    first.engines["x"] = EngineSpec()
    assert Settings().api_keys == [] and "x" not in Settings().engines


def test_toml_file(write_config: WriteConfig) -> None:
    path = write_config(
        """
        host = "0.0.0.0"
        port = 9000
        tls = false
        api_keys = ["k1", "k2"]
        shutdown_grace_s = 5
        log_json = true
        max_history_chars = 500

        [engines.big]
        type = "llama"
        path = "/models/big.gguf"
        contexts = 4

        [models]
        "my-model" = "big"
        """
    )
    settings = load_settings(path, environ={})
    assert (settings.host, settings.port, settings.tls) == ("0.0.0.0", 9000, False)
    assert settings.api_keys == ["k1", "k2"]
    assert settings.shutdown_grace_s == 5.0 and type(settings.shutdown_grace_s) is float
    assert settings.log_json is True and settings.max_history_chars == 500
    # File engines and models are added to the defaults, not put in their place.
    assert settings.engines == {
        EMBEDDED_ENGINE: EngineSpec(),
        "big": EngineSpec(type="llama", path="/models/big.gguf", contexts=4),
    }
    assert settings.models["my-model"] == "big"
    assert settings.models[DEFAULT_MODELS[0]] == EMBEDDED_ENGINE
    settings.check()


def test_config_file_named_by_environment(write_config: WriteConfig) -> None:
    path = write_config("port = 9001\n")
    assert load_settings(environ={"OPENLIVE_CONFIG": str(path)}).port == 9001


def test_config_file_argument_wins_over_openlive_config(write_config: WriteConfig, tmp_path: Path) -> None:
    path = write_config("port = 9001\n")
    other = tmp_path / "other.toml"
    other.write_text("port = 9002\n")
    assert load_settings(path, environ={"OPENLIVE_CONFIG": str(other)}).port == 9001


def test_environment_variables() -> None:
    settings = load_settings(
        environ={
            "OPENLIVE_HOST": "::1",
            "OPENLIVE_PORT": "9443",
            "OPENLIVE_TLS": "off",
            "OPENLIVE_API_KEYS": " a, b ,,",
            "OPENLIVE_SHUTDOWN_GRACE_S": "0.5",
            "OPENLIVE_LOG_JSON": "Yes",
            "OPENLIVE_MAX_SESSIONS": "3",
            "OPENLIVE_DATA_DIR": "/tmp/x",
            "OPENLIVE_LOG_LEVEL": "",  # empty means unset
            "UNRELATED": "1",
        }
    )
    assert settings.host == "::1" and settings.loopback
    assert settings.port == 9443 and settings.tls is False
    assert settings.api_keys == ["a", "b"]
    assert settings.shutdown_grace_s == 0.5 and settings.log_json is True
    assert settings.max_sessions == 3 and settings.data_dir == "/tmp/x"
    assert settings.log_level == "info"


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)]
)
def test_boolean_spellings_in_the_environment(raw: str, value: bool) -> None:
    assert load_settings(environ={"OPENLIVE_LOG_JSON": raw}).log_json is value


def test_flags_beat_environment_which_beats_the_file(write_config: WriteConfig) -> None:
    path = write_config('port = 1111\nhost = "127.0.0.2"\nlog_level = "debug"\n')
    env = {"OPENLIVE_PORT": "2222", "OPENLIVE_HOST": "127.0.0.3"}
    settings = load_settings(path, environ=env, overrides={"port": 3333, "host": None})
    assert settings.port == 3333  # flag over environment over file
    assert settings.host == "127.0.0.3"  # a flag left unset (None) does not count
    assert settings.log_level == "debug"  # only the file sets it
    assert load_settings(path, environ=env).port == 2222
    assert load_settings(path, environ={}).port == 1111


def test_environment_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENLIVE_PORT", "9555")
    assert load_settings().port == 9555


# -- bad values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPENLIVE_PORT": "abc"}, "OPENLIVE_PORT: expected int, got 'abc'"),
        ({"OPENLIVE_PORT": "1.5"}, "OPENLIVE_PORT: expected int, got '1.5'"),
        ({"OPENLIVE_TLS": "maybe"}, "OPENLIVE_TLS: expected bool, got 'maybe'"),
        ({"OPENLIVE_SHUTDOWN_GRACE_S": "soon"}, "OPENLIVE_SHUTDOWN_GRACE_S: expected float, got 'soon'"),
    ],
)
def test_bad_environment_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ=env)
    assert error.value.reason == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('port = "high"', "port: expected int, got 'high'"),
        ("port = true", "port: expected int, got True"),
        ('tls = "maybe"', "tls: expected bool, got 'maybe'"),
        ("host = 5", "host: expected str, got 5"),
        ("api_keys = [1, 2]", "api_keys: expected list, got [1, 2]"),
        ("api_keys = 5", "api_keys: expected list, got 5"),
        ("max_sessions = [1]", "max_sessions: expected int, got [1]"),
    ],
)
def test_bad_file_values_name_the_file_and_setting(
    write_config: WriteConfig, text: str, message: str
) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert error.value.reason == f"{path}: {message}"


def test_boolean_from_file_as_string(write_config: WriteConfig) -> None:
    assert load_settings(write_config('tls = "off"'), environ={}).tls is False


def test_comma_separated_api_keys_in_file(write_config: WriteConfig) -> None:
    assert load_settings(write_config('api_keys = "a,b"'), environ={}).api_keys == ["a", "b"]


def test_unknown_setting_in_file(write_config: WriteConfig) -> None:
    path = write_config("prot = 9000")
    with pytest.raises(ConfigError, match=r"unknown setting 'prot'"):
        load_settings(path, environ={})


def test_invalid_toml(write_config: WriteConfig) -> None:
    path = write_config("port = = 1")
    with pytest.raises(ConfigError, match=r"is not valid TOML"):
        load_settings(path, environ={})


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert error.value.reason.startswith(f"cannot read config file {path}: ")
    assert "No such file" in error.value.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("engines = 5", "[engines] must be a table of engine tables"),
        (
            '[engines.big]\nfile = "x.gguf"',
            "engines.big takes api_key, base_url, context_size, contexts, images, llm, max_connections, "
            "model, n_ctx, path, tier, timeout, tools, type",
        ),
        ("[engines]\nbig = 1", "engines.big takes"),
        ("models = 5", "[models] maps model names to engine names"),
        ('[models]\n"m" = 5', "[models] maps model names to engine names"),
    ],
)
def test_bad_engine_and_model_tables(write_config: WriteConfig, text: str, message: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert error.value.reason.startswith(f"{path}: {message}")


def test_a_float_for_an_int_setting_is_refused(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError, match="port"):
        load_settings(write_config("port = 8443.9"), environ={})


def test_a_config_file_that_is_not_utf8_gives_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('host = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="latin1.toml"):
        load_settings(path, environ={})


def test_engine_values_of_the_wrong_type_are_refused(write_config: WriteConfig) -> None:
    path = write_config('[engines.big]\ncontexts = "two"\n')
    with pytest.raises(ConfigError, match="contexts"):
        load_settings(path, environ={}).check()


# -- check() ----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_check_refuses_a_non_loopback_host_without_keys(host: str) -> None:
    settings = Settings(host=host)
    assert not settings.loopback
    with pytest.raises(ConfigError) as error:
        settings.check()
    assert error.value.reason.startswith(f"refusing to serve on {host} with no API keys")
    assert "OPENLIVE_API_KEYS" in error.value.reason


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_check_allows_loopback_without_keys(host: str) -> None:
    Settings(host=host).check()


def test_check_allows_any_host_with_keys() -> None:
    Settings(host="0.0.0.0", api_keys=["k"]).check()


def test_check_refuses_a_model_naming_an_unknown_engine() -> None:
    settings = Settings(models={"my-model": "missing"})
    with pytest.raises(ConfigError) as error:
        settings.check()
    assert error.value.reason == "model 'my-model' names engine 'missing', which is not defined"


def test_check_from_a_file_with_an_unknown_engine_reference(write_config: WriteConfig) -> None:
    settings = load_settings(write_config('[models]\n"my-model" = "big"\n'), environ={})
    with pytest.raises(ConfigError, match="names engine 'big', which is not defined"):
        settings.check()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(port=0), "port must be 1-65535, not 0"),
        (Settings(port=70000), "port must be 1-65535, not 70000"),
        (Settings(cert_file="c.pem"), "cert_file and key_file must be given together"),
        (Settings(key_file="k.pem"), "cert_file and key_file must be given together"),
        (
            Settings(engines={"embedded": EngineSpec(type="vllm")}),
            "engine 'embedded' has unknown type 'vllm'",
        ),
        (Settings(max_sessions=0), "max_sessions must be positive"),
        (Settings(max_message_bytes=-1), "max_message_bytes must be positive"),
        (Settings(max_history_chars=0), "max_history_chars must be positive"),
        (Settings(max_output_tokens=0), "max_output_tokens must be positive"),
        (Settings(handshake_timeout_s=0), "handshake_timeout_s must be positive"),
        (Settings(setup_timeout_s=-1), "setup_timeout_s must be positive"),
        (Settings(code_disk_mb=0), "code_disk_mb must be positive"),
        (Settings(idle_timeout_s=-1), "idle_timeout_s must be 0 (off) or positive"),
        (Settings(max_connections_per_address=-1), "max_connections_per_address must be 0 (off) or positive"),
        (Settings(asr_window_s=31), "asr_window_s must be between 0"),
        (Settings(asr_window_s=-1), "asr_window_s must be between 0"),
        (Settings(asr_beam=-1), "asr_beam must be 0 (the default) or positive"),
    ],
)
def test_check_refusals(settings: Settings, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings.check()
    assert error.value.reason.startswith(message)


def test_resolved_data_dir_is_created(tmp_path: Path) -> None:
    path = Settings(data_dir=str(tmp_path / "a" / "b")).resolved_data_dir()
    assert path == tmp_path / "a" / "b" and path.is_dir()


def test_connection_limits_and_origins_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "OPENLIVE_IDLE_TIMEOUT_S": "0",
            "OPENLIVE_MAX_CONNECTIONS_PER_ADDRESS": "4",
            "OPENLIVE_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.idle_timeout_s == 0.0 and settings.max_connections_per_address == 4
    assert settings.allowed_origins == ["https://a.example", "https://b.example"]
    settings.check()


def test_an_openai_engine_may_say_it_reads_images(write_config: WriteConfig) -> None:
    path = write_config(
        '[engines.vision]\ntype = "openai"\nbase_url = "http://127.0.0.1:8080/v1"\nmodel = "m"\n'
        "context_size = 4096\nimages = true\n"
    )
    settings = load_settings(path, environ={})
    assert settings.engines["vision"].images is True
    assert settings.video_session_limit_s == 120.0


@pytest.mark.parametrize("endpoint", ["localhost:4318", "grpc://collector:4317", "collector"])
def test_check_refuses_an_otlp_endpoint_that_is_not_an_http_url(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="otlp_endpoint is an OTLP/HTTP collector's URL"):
        Settings(otlp_endpoint=endpoint).check()
    Settings(otlp_endpoint="http://127.0.0.1:4318").check()
