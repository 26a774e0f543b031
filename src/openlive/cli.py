"""The ``openlive`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openlive import __version__
from openlive.config import load_settings, scalar_settings
from openlive.errors import ConfigError

DESCRIPTION = """\
openlive: a self-hosted Live API (BidiGenerateContent) server.

Apps written against the official SDKs (google-genai for Python, @google/genai
for JavaScript) connect to it by changing only their base URL, and talk to open
models running on this machine.

Every serve option can also be set in a TOML config file (--config) or in the
environment as OPENLIVE_<NAME>, e.g. OPENLIVE_PORT=9000, OPENLIVE_API_KEYS=k1,k2.
Flags win over the environment, which wins over the config file."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="openlive", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"openlive {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the server on the embedded default models",
        description="Run the Live API server in the foreground. Ctrl-C sends open sessions "
        "a goAway and closes them before exiting. Every option below is also a config file "
        "setting (its name with underscores) and an environment variable (OPENLIVE_ and the "
        "name in capitals). Engines and the model table are set in the config file only.",
    )
    serve.add_argument("--config", metavar="FILE", help="TOML config file (env: OPENLIVE_CONFIG)")
    _add_setting_flags(serve)

    cert = commands.add_parser(
        "cert",
        help="print the path of the self-signed TLS certificate (made if missing)",
        description="Print the certificate path, for: export SSL_CERT_FILE=$(openlive cert)",
    )
    cert.add_argument("--data-dir", metavar="DIR", help="openlive's data directory")
    cert.add_argument("--config", metavar="FILE", help="TOML config file")

    from openlive.bench.cli import add_parser as add_bench_parser

    add_bench_parser(commands)
    _add_index_parser(commands)
    return parser


# Flags kept from before the help was generated from the settings.
_FLAG_ALIASES = {"api_keys": ["--api-key"]}
_METAVARS = {
    "host": "ADDRESS",
    "cert_file": "PEM",
    "key_file": "PEM",
    "data_dir": "DIR",
    "asr_model": "NAME|DIR",
    "tts_voice": "ONNX",
    "store": "PATH|URL",
    "search_index": "FILE",
    "searxng_url": "URL",
    "log_level": "LEVEL",
}
_CHOICES = {"log_level": ["debug", "info", "warning", "error"]}


def _add_setting_flags(serve: argparse.ArgumentParser) -> None:
    """One flag per scalar setting, its help from the setting's documentation in ``Settings``."""
    for name, (kind, default, doc) in scalar_settings().items():
        flag = "--" + name.replace("_", "-")
        env = f"OPENLIVE_{name.upper()}"
        if kind is bool:
            shown = "on" if default else "off"
            serve.add_argument(
                flag,
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{doc} (default {shown}; env {env})",
            )
        elif kind is list:
            serve.add_argument(
                flag,
                *_FLAG_ALIASES.get(name, []),
                dest=name,
                action="append",
                metavar="VALUE",
                help=f"{doc} (repeatable, or comma-separated; env {env}=a,b)",
            )
        else:
            shown = f"{default!r}" if default != "" else "none"
            serve.add_argument(
                flag,
                dest=name,
                type=kind,
                metavar=_METAVARS.get(name, _metavar(name, kind)),
                choices=_CHOICES.get(name),
                help=f"{doc} (default {shown}; env {env})",
            )


def _metavar(name: str, kind: type) -> str:
    if name.endswith("_s"):
        return "SECONDS"
    return "N" if kind in (int, float) else "VALUE"


def _setting_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given as flags; list flags may repeat and hold commas."""
    overrides: dict[str, Any] = {}
    for name, (kind, _default, _doc) in scalar_settings().items():
        value = getattr(args, name, None)
        if value is not None and kind is list:
            value = [item.strip() for raw in value for item in raw.split(",") if item.strip()]
        overrides[name] = value
    return overrides


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``openlive`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"] and len(argv) > 1:
        from openlive.bench.cli import OWN_OPTIONS, run_own

        if argv[1] in OWN_OPTIONS:  # benches with options of their own (asr, the native-audio ones)
            return run_own(argv[1], argv[2:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "index":
        return _run_index(args)
    if args.command == "bench":
        from openlive.bench.cli import run as run_bench

        try:
            return run_bench(args)
        except ConfigError as error:
            print(f"openlive: {error.reason}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130
    options = _setting_overrides(args) if args.command == "serve" else {"data_dir": args.data_dir}
    try:
        settings = load_settings(args.config, overrides=options)
        if args.command == "cert":
            from openlive.server.run import tls_files

            settings.tls = True
            settings.cert_file = settings.key_file = ""
            files = tls_files(settings)
            assert files is not None
            print(files.cert)
            return 0
        from openlive.server.logs import configure_logging
        from openlive.server.run import serve

        configure_logging(settings.log_level, settings.log_json)
        serve(settings)
    except ConfigError as error:
        print(f"openlive: {error.reason}", file=sys.stderr)
        return 2
    except OSError as error:
        # A file the server needs at start (certificate, store) could not be made.
        print(f"openlive: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


# -- openlive index ---------------------------------------------------------------------

INDEX_DESCRIPTION = """\
Manage the local search index, the embedded back-end of the googleSearch tool:
documents on this machine, searched by their words. Text (.txt), Markdown (.md), reStructuredText
(.rst) and HTML (.html, .htm) files are indexed; adding a file again re-indexes it
only if it changed, and adding a directory again drops files that are gone."""


def _add_index_parser(commands: Any) -> None:
    """Add the ``index`` subcommand to ``commands`` (an argparse subparsers action)."""
    index: argparse.ArgumentParser = commands.add_parser(
        "index",
        help="add documents to the local search index behind the googleSearch tool",
        description=INDEX_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    index.set_defaults(index_help=index.print_help)
    actions = index.add_subparsers(dest="index_command", metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="index files and directory trees",
        description="Index files, and every supported file under directories (hidden ones skipped).",
    )
    add.add_argument("paths", nargs="+", metavar="PATH", help="a file or a directory")
    stats = actions.add_parser("stats", help="print how many documents the index holds")
    for action in (add, stats):
        action.add_argument(
            "--index",
            metavar="FILE",
            help="the index file (default: search-index.sqlite3 in the data directory)",
        )
        action.add_argument("--data-dir", metavar="DIR", help="openlive's data directory")
        action.add_argument("--config", metavar="FILE", help="TOML config file (env: OPENLIVE_CONFIG)")


def _run_index(args: argparse.Namespace) -> int:
    """Run ``openlive index ACTION``; errors are printed as one line, never a traceback."""
    from openlive.errors import OpenliveError
    from openlive.tools.search import LocalIndex

    if args.index_command is None:
        args.index_help()
        return 2
    try:
        if args.index_command == "add":
            # Check every path before touching the index, so a typo indexes nothing.
            missing = [p for p in args.paths if not Path(p).expanduser().exists()]
            if missing:
                print(f"openlive: no such file or directory: {', '.join(missing)}", file=sys.stderr)
                return 2
        path = _index_file(args)
        if args.index_command == "stats" and not path.exists():
            print(f"0 documents: no index at {path} yet (openlive index add PATH makes it)")
            return 0
        with LocalIndex(path) as index:
            if args.index_command == "add":
                added = sum(index.add(p) for p in args.paths)
                total = index.count()
                print(f"indexed {_documents(added)} (new or changed) in {path}; it holds {_documents(total)}")
            else:
                print(f"{_documents(index.count())} in {path}")
    except ConfigError as error:
        print(f"openlive: {error.reason}", file=sys.stderr)
        return 2
    except OpenliveError as error:
        print(f"openlive: {error.reason}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"openlive: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _index_file(args: argparse.Namespace) -> Path:
    """``--index``, else the index in the data directory the settings resolve to."""
    from openlive.tools.search import default_index_path

    if args.index:
        return Path(args.index).expanduser()
    settings = load_settings(args.config, overrides={"data_dir": args.data_dir})
    return default_index_path(settings.resolved_data_dir())


def _documents(count: int) -> str:
    return f"{count} document" if count == 1 else f"{count} documents"


if __name__ == "__main__":
    sys.exit(main())
