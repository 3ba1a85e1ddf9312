"""`voice-coach model fetch`: download a vosk model archive, verify it, unpack it atomically."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from voice_coach.errors import ModelError
from voice_coach.speech_models.dirs import install_dir
from voice_coach.speech_models.download import Progress, download
from voice_coach.speech_models.find import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    KNOWN_MODELS,
    MODEL_URL_ENV,
    has_model_files,
    is_vosk_model,
)

_LOGGER = logging.getLogger(__name__)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def model_url(name: str, base_url: str | None, env: Mapping[str, str]) -> str:
    """The archive URL for a model name: base (argument > VOICE_COACH_MODEL_URL > alphacephei)."""
    base = base_url or env.get(MODEL_URL_ENV) or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/{name}.zip"


def _name_and_url(name_or_url: str | None, base_url: str | None, env: Mapping[str, str]) -> tuple[str, str]:
    if name_or_url and "://" in name_or_url:
        filename = PurePosixPath(urlparse(name_or_url).path).name
        name = filename.removesuffix(".zip")
        if not filename.endswith(".zip") or not _NAME_RE.match(name):
            raise ModelError(
                f"{name_or_url} is not a .zip model archive URL",
                fix="give a model name like vosk-model-small-en-us-0.15 or a URL ending in .zip",
            )
        return name, name_or_url
    name = (name_or_url or DEFAULT_MODEL.name).removesuffix(".zip")
    if not _NAME_RE.match(name):
        raise ModelError(
            f"{name!r} is not a model name",
            fix="use a name from https://alphacephei.com/vosk/models, e.g. vosk-model-small-en-us-0.15",
        )
    return name, model_url(name, base_url, env)


def _writable_dir(dest_dir: Path) -> None:
    """Create ``dest_dir`` and prove we can write there before downloading 40 MB."""
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=dest_dir):
            pass
    except OSError as exc:
        raise ModelError(
            f"cannot write to {dest_dir} ({exc.strerror or exc})",
            fix="choose a writable folder (voice-coach model fetch --dest DIR) or fix its permissions",
        ) from exc


def fetch_model(
    name_or_url: str | None = None,
    dest_dir: Path | None = None,
    progress: Progress | None = None,
    base_url: str | None = None,
    *,
    expected_sha256: str | None = None,
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Download ``name_or_url`` (default: the small US-English model) and install it in ``dest_dir``.

    Size and SHA-256 are checked against the known values for the name (or ``expected_sha256``);
    the zip is checked, unpacked into a hidden temp folder next to the target and renamed into
    place, so a half-finished fetch never looks like a model. Returns the model folder.
    """
    env = os.environ if env is None else env
    name, url = _name_and_url(name_or_url, base_url, env)
    dest = (dest_dir or install_dir(env=env)).expanduser()
    target = dest / name
    if is_vosk_model(target) and not force:
        _LOGGER.info("%s is already installed at %s", name, target)
        return target
    _writable_dir(dest)
    spec = KNOWN_MODELS.get(name)
    part = dest / f".{name}.zip.part"
    _LOGGER.info("fetching %s into %s", url, dest)
    download(
        url,
        part,
        expected_bytes=spec.size_bytes if spec else None,
        expected_sha256=expected_sha256 or (spec.sha256 if spec else None),
        progress=progress,
    )
    installed = _unpack(part, dest, name, url)
    part.unlink(missing_ok=True)
    return installed


def _check_archive(archive: zipfile.ZipFile, url: str) -> None:
    bad = archive.testzip()
    if bad is not None:
        raise zipfile.BadZipFile(f"bad CRC in {bad}")
    for member in archive.namelist():
        pure = PurePosixPath(member)
        # A member escaping the folder would write anywhere on disk ("zip slip").
        if pure.is_absolute() or ".." in pure.parts or "\\" in member:
            raise ModelError(
                f"{url} contains an unsafe path {member!r}",
                fix="use the official archive from https://alphacephei.com/vosk/models",
            )


def _unpack(zip_path: Path, dest: Path, name: str, url: str) -> Path:
    """Extract into a hidden temp folder in ``dest``, find the model inside, rename it into place."""
    staging = Path(tempfile.mkdtemp(prefix=f".unpack-{name}-", dir=dest))
    try:
        try:
            with zipfile.ZipFile(zip_path) as archive:
                _check_archive(archive, url)
                archive.extractall(staging)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            zip_path.unlink(missing_ok=True)
            raise ModelError(
                f"the archive from {url} is corrupt ({exc})",
                fix="run the same command again to download it afresh",
            ) from exc
        except OSError as exc:
            raise ModelError(
                f"cannot unpack into {dest} ({exc.strerror or exc})",
                fix="free some disk space or choose another folder with --dest DIR",
            ) from exc
        root = _model_root(staging)
        if root is None:
            zip_path.unlink(missing_ok=True)
            raise ModelError(
                f"the archive from {url} holds no vosk model (no am/final.mdl, conf, graph)",
                fix="check the model name against https://alphacephei.com/vosk/models",
            )
        return _swap_into_place(root, dest / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _model_root(staging: Path) -> Path | None:
    """The model folder inside the unpacked archive: a single top folder, or the archive root."""
    children = [child for child in staging.iterdir() if child.name != "__MACOSX"]
    if len(children) == 1 and has_model_files(children[0]):
        return children[0]
    return staging if has_model_files(staging) else None


def _swap_into_place(new: Path, target: Path) -> Path:
    """Rename ``new`` to ``target``; an older copy is moved aside first, then removed."""
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _LOGGER.info("installed %s", target)
    return target
