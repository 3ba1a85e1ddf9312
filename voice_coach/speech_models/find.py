"""Finding, listing and fetching vosk speech models; choosing the engine that will listen."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voice_coach.errors import ModelError
from voice_coach.speech_models.dirs import search_dirs

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable vosk model whose archive we know byte for byte."""

    name: str
    url: str
    size_bytes: int
    """Size of the .zip archive."""
    sha256: str
    """Hex SHA-256 of the .zip archive."""


# Size and SHA-256 of the official archive: alphacephei publishes neither, so these are the values
# several independent projects pinned after downloading it (41,205,931 bytes; all agree).
DEFAULT_MODEL = ModelSpec(
    name="vosk-model-small-en-us-0.15",
    url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
    size_bytes=41_205_931,
    sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
)
KNOWN_MODELS: dict[str, ModelSpec] = {DEFAULT_MODEL.name: DEFAULT_MODEL}
DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
MODEL_URL_ENV = "VOICE_COACH_MODEL_URL"
"""Environment variable: base URL to fetch models from instead of alphacephei.com (a mirror)."""
VOSK_PATH_ENV = "VOSK_MODEL_PATH"
FETCH_HINT = "run `voice-coach model fetch` to download the English vosk model (about 40 MB)"

# Files whose presence makes a folder a vosk model (layout v2 first, then the older flat layout).
_ACOUSTIC = ("am/final.mdl", "final.mdl")
_CONF = ("conf/model.conf", "conf/mfcc.conf", "mfcc.conf")
_GRAPH = ("graph/HCLG.fst", "graph/HCLr.fst", "HCLG.fst", "HCLr.fst")


@dataclass(frozen=True)
class ModelChoice:
    """The vosk model the coach will use and where it was found."""

    path: Path
    source: str
    """Where it came from: --model, config, VOSK_MODEL_PATH, audio_models, data dir, vosk cache."""


@dataclass(frozen=True)
class ModelInfo:
    """One installed model, for `voice-coach model list`."""

    name: str
    path: Path
    source: str
    size_bytes: int
    in_use: bool


@dataclass(frozen=True)
class EngineChoice:
    """Which recognizer will listen, with the model it needs and a note to say once."""

    engine: str
    """whisper, vosk, pocketsphinx or text."""
    model: Path | None = None
    note: str | None = None
    """Say this once at start (why not vosk, and how to get it)."""
    error: ModelError | None = field(default=None, compare=False)
    """The problem with a named model that made us fall back, if any."""
    why: str = field(default="", compare=False)
    """Why this engine (for doctor): where its model was found, or what the better engines lack."""

    def describe(self) -> str:
        """One line for `model path` and doctor."""
        if self.engine == "whisper" and self.model is not None:
            return f"whisper: {self.model}"
        if self.engine == "vosk" and self.model is not None:
            return f"vosk: {self.model}"
        if self.engine == "pocketsphinx":
            return "pocketsphinx (built in)"
        return self.engine


def model_source(sources: Mapping[str, str]) -> str:
    """Where the model setting came from, as users would name it: --model, file:line or env:NAME."""
    source = sources.get("model", "--model")
    return "--model" if source == "flag" else source


def has_model_files(path: Path) -> bool:
    """True when ``path`` holds a vosk model's acoustic model, config and decoding graph."""
    try:
        acoustic = [path / rel for rel in _ACOUSTIC if (path / rel).is_file()]
        return (
            any(candidate.stat().st_size > 0 for candidate in acoustic)
            and any((path / rel).is_file() for rel in _CONF)
            and any((path / rel).is_file() for rel in _GRAPH)
        )
    except OSError:
        return False


def is_vosk_model(path: Path) -> bool:
    """True for an installed vosk model folder; hidden folders (a fetch in progress) never are."""
    return not path.name.startswith(".") and path.is_dir() and has_model_files(path)


def models_in(folder: Path) -> list[Path]:
    """Models directly inside ``folder``, the default model first, then English, then by name."""
    try:
        children = [child for child in folder.iterdir() if is_vosk_model(child)]
    except OSError:
        return []

    def rank(path: Path) -> tuple[int, str]:
        if path.name == DEFAULT_MODEL.name:
            return (0, path.name)
        return (1 if "en-us" in path.name else 2, path.name)

    return sorted(children, key=rank)


def _named(path: Path, source: str) -> ModelChoice:
    """A path the user named: a model, or a folder holding models; anything else is an error."""
    path = path.expanduser()
    if is_vosk_model(path):
        return ModelChoice(path, source)
    inside = models_in(path) if path.is_dir() else []
    if inside:
        return ModelChoice(inside[0], source)
    what = "does not exist" if not path.exists() else "is not a vosk model (no am/final.mdl, conf, graph)"
    raise ModelError(
        f"model folder {path} ({source}) {what}",
        fix=f"point it at an unpacked vosk model folder, or {FETCH_HINT}",
    )


def find_model(
    explicit: Path | None = None,
    config_path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    dirs: list[tuple[str, Path]] | None = None,
    explicit_source: str = "--model",
) -> ModelChoice | None:
    """First model in the order --model > config > VOSK_MODEL_PATH > audio_models > vosk cache.

    A path the user named (flag, config, env) that is no model raises ModelError naming it;
    None means no model anywhere. ``explicit_source`` says where ``explicit`` came from
    (e.g. settings.sources["model"]: a flag, ``file:line`` or an env var) for error messages.
    """
    env = os.environ if env is None else env
    if explicit is not None:
        return _named(explicit, explicit_source)
    if config_path is not None:
        return _named(config_path, "config")
    if env.get(VOSK_PATH_ENV):
        return _named(Path(env[VOSK_PATH_ENV]), VOSK_PATH_ENV)
    for source, folder in search_dirs(env=env) if dirs is None else dirs:
        found = models_in(folder)
        if found:
            return ModelChoice(found[0], source)
    return None


def _tree_bytes(path: Path) -> int:
    total = 0
    for dirpath, _dirnames, filenames in os.walk(path):
        for filename in filenames:
            try:
                total += os.path.getsize(os.path.join(dirpath, filename))
            except OSError:
                pass
    return total


def list_models(
    explicit: Path | None = None,
    config_path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    dirs: list[tuple[str, Path]] | None = None,
    explicit_source: str = "--model",
) -> list[ModelInfo]:
    """Every model the coach can see, with the one that would be used marked."""
    env = os.environ if env is None else env
    try:
        chosen = find_model(explicit, config_path, env=env, dirs=dirs)
    except ModelError:
        chosen = None
    candidates: list[tuple[str, Path]] = []
    for source, path in ((explicit_source, explicit), ("config", config_path)):
        if path is not None:
            candidates.append((source, path.expanduser()))
    if env.get(VOSK_PATH_ENV):
        candidates.append((VOSK_PATH_ENV, Path(env[VOSK_PATH_ENV])))
    candidates.extend(search_dirs(env=env) if dirs is None else dirs)
    seen: set[Path] = set()
    infos: list[ModelInfo] = []
    for source, path in candidates:
        for model in [path] if is_vosk_model(path) else models_in(path):
            real = model.resolve()
            if real in seen:
                continue
            seen.add(real)
            in_use = chosen is not None and chosen.path.resolve() == real
            infos.append(ModelInfo(model.name, model, source, _tree_bytes(model), in_use))
    return infos


def format_model_list(infos: list[ModelInfo], engine: EngineChoice) -> str:
    """`model list` output: one line per model (* = in use), then the engine that will listen."""
    lines = [
        f"{'*' if info.in_use else ' '} {info.name}  {info.path}  ({info.source}, {info.size_bytes / 1e6:.0f} MB)"
        for info in infos
    ]
    if not infos:
        lines.append(f"no vosk models installed; {FETCH_HINT}")
    lines.append(f"engine: {engine.describe()}")
    return "\n".join(lines)


def resolve_engine(
    requested: str | None,
    explicit: Path | None = None,
    config_path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    dirs: list[tuple[str, Path]] | None = None,
    explicit_source: str = "--model",
    import_check: bool = True,
) -> EngineChoice:
    """The engine to run: ``requested`` (whisper|vosk|pocketsphinx|text) or, when None/auto, the best one installed:
    whisper when its model is found (--model, config, VOICE_COACH_WHISPER_MODEL, a fetched one, the pip-shipped
    bundle), else an English vosk model, else pocketsphinx. A vosk model the user named (--model, config,
    VOSK_MODEL_PATH) is used as named.

    With ``requested`` whisper or vosk a missing or broken model raises ModelError; otherwise a problem falls
    back to the next engine with a note to say once. ``import_check`` False: whisper's libraries are looked for
    but not imported (see speech_models.whisper.whisper_engine).
    """
    if requested in ("text", "pocketsphinx"):
        return EngineChoice(requested, why="asked for")
    if requested not in (None, "", "auto", "vosk", "whisper"):
        raise ModelError(f"unknown engine {requested!r}", fix="use whisper, vosk, pocketsphinx or text")
    whisper_problem: ModelError | None = None
    named = explicit or config_path
    env = os.environ if env is None else env
    vosk_named = is_vosk_model(named.expanduser()) if named is not None else bool(env.get(VOSK_PATH_ENV))
    whisper_off = env.get("VOICE_COACH_WHISPER_MODEL", "").lower() == "none" and requested != "whisper"
    if requested == "whisper" or (requested != "vosk" and not vosk_named and not whisper_off):
        from voice_coach.speech_models.whisper import whisper_engine

        try:
            found = whisper_engine(named, explicit_source if explicit is not None else "config", dirs=dirs, env=env,
                                   import_check=import_check)
            how = "asked for" if requested == "whisper" else "the best engine installed"
            return EngineChoice("whisper", found.path, why=f"{how}: {found.name} from {found.source}")
        except ModelError as exc:
            if requested == "whisper":
                raise
            whisper_problem = exc
            _LOGGER.info("whisper unavailable: %s", exc.one_line())
    try:
        choice = find_model(explicit, config_path, env=env, dirs=dirs, explicit_source=explicit_source)
    except ModelError as exc:
        if requested == "vosk":
            raise
        from voice_coach.speech_models.whisper import is_whisper_dir

        # A folder meant for whisper (its tokenizer is there, even if model.bin is broken): whisper's problem is news.
        whisper_named = named is not None and (is_whisper_dir(named.expanduser())
                                               or (named.expanduser() / "tokenizer.json").is_file())
        problem = whisper_problem if whisper_named and whisper_problem is not None else exc
        _LOGGER.info("%s; falling back to pocketsphinx", problem.one_line())
        return EngineChoice("pocketsphinx", note=f"{problem.one_line()}. Using pocketsphinx for now.", error=problem,
                            why=problem.one_line())
    if choice is not None:
        why = f"vosk model from {choice.source}" + (f" (whisper: {whisper_problem.message})"
                                                              if whisper_problem else "")
        return EngineChoice("vosk", choice.path, why=why)
    if requested == "vosk":
        raise ModelError("no vosk model found", fix=FETCH_HINT)
    if whisper_problem is not None:
        return EngineChoice("pocketsphinx", note=f"{whisper_problem.one_line()}. Using pocketsphinx for now.",
                            error=whisper_problem, why=whisper_problem.one_line())
    why = "whisper turned off by VOICE_COACH_WHISPER_MODEL=none" if whisper_off else "no whisper or vosk model"
    return EngineChoice("pocketsphinx", note=f"Listening with the built-in pocketsphinx engine ({why}).", why=why)
