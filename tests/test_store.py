"""The SQLite store, for real: persistence across connections, corruption, ids only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from voice_coach.errors import StoreError
from voice_coach.store import DB_NAME, Store


def test_everything_survives_a_reopen(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.record("tip", "patience.01")
    store.add_favorite("patience.01")
    store.add_favorite("patience.01")
    store.set_setting("rate", 0.85)
    store.remember_last("tip", "patience.01", "more", None, "patience")
    store.close()
    memory = Store(tmp_path).load()
    assert memory.used == {"patience.01"}
    assert memory.favorites == ["patience.01"]
    assert memory.settings == {"rate": 0.85}
    assert (memory.last_kind, memory.last_id, memory.last_part, memory.last_topic) == ("tip", "patience.01", "more", "patience")


def test_forget_used_frees_ids_again(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for cid in ("a", "b", "c"):
        store.record("starter", cid)
    store.forget_used(("a", "b"))
    assert store.load().used == {"c"}
    assert [row[1] for row in store.history()] == ["c", "b", "a"]  # history keeps the log


def test_corrupt_file_is_moved_aside_and_a_fresh_store_starts(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is not a database" * 100)
    store = Store(tmp_path)
    assert store.warning is not None and "moved" in store.warning
    assert list(tmp_path.glob(f"{DB_NAME}.corrupt-*"))
    store.add_favorite("x")
    assert store.load().favorites == ["x"]


def test_the_store_holds_no_free_text_columns_for_speech(tmp_path: Path) -> None:
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_NAME)
    columns = {row[1] for table in ("history", "used", "favorites", "settings", "last") for row in conn.execute(f"PRAGMA table_info({table})")}
    assert not columns & {"text", "transcript", "utterance", "audio"}


def test_unwritable_data_dir_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError) as err:
        Store(blocker / "sub")
    assert "VOICE_COACH_HOME" in err.value.one_line()
