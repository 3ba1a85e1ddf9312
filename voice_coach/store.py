"""Favorites, history and settings in SQLite: content ids and numbers only, never what people said."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from voice_coach.dialogue.memory import Memory
from voice_coach.dialogue.practice_log import PracticeRow
from voice_coach.errors import StoreError

_LOGGER = logging.getLogger(__name__)

DB_NAME = "voice-coach.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, content_id TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS used (content_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS favorites (content_id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS last (slot INTEGER PRIMARY KEY CHECK (slot = 1), kind TEXT, content_id TEXT, part TEXT, depth TEXT, topic TEXT, at REAL);
CREATE TABLE IF NOT EXISTS practice (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item_id TEXT NOT NULL, at REAL NOT NULL,
    minutes REAL NOT NULL, completed INTEGER NOT NULL, spoke TEXT NOT NULL DEFAULT '');
"""
# Every table is created IF NOT EXISTS: an older store gains the new tables on open and keeps its data.




class Store:
    """The SQLite store in the data dir; a corrupt file is moved aside and replaced."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / DB_NAME
        self.warning: str | None = None
        """Set when the store had to be reset (shown to the user once)."""
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create data dir {data_dir} ({err.strerror})", "set VOICE_COACH_HOME or --home to a writable folder") from None
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as err:
            moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                self.path.rename(moved)
                for suffix in ("-wal", "-shm"):
                    side = self.path.with_name(self.path.name + suffix)
                    if side.exists():
                        side.rename(moved.with_name(moved.name + suffix))
            except OSError as move_err:
                raise StoreError(f"store {self.path} is unreadable ({err}) and cannot be moved aside ({move_err.strerror})", "move or delete the file by hand") from None
            self.warning = f"Your saved data at {self.path} was unreadable ({err}); it was moved to {moved.name} and a fresh store was started."
            # INFO, not WARNING: the caller shows self.warning to the user once; a log line would repeat it.
            _LOGGER.info(self.warning)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            ok = conn.execute("PRAGMA quick_check").fetchone()
            if not ok or ok[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {ok[0] if ok else 'no answer'}")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        self._conn.close()

    def _write(self, sql: str, params: tuple[object, ...] = ()) -> None:
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute(sql, params)
        except sqlite3.Error as err:
            raise StoreError(f"cannot write to {self.path} ({err})", "check the disk has space and the folder is writable") from None

    def load(self) -> Memory:
        """Everything the coach needs at start."""
        conn = self._conn
        memory = Memory(
            used={row[0] for row in conn.execute("SELECT content_id FROM used")},
            favorites=[row[0] for row in conn.execute("SELECT content_id FROM favorites ORDER BY at, rowid")],
            settings={key: value for key, value in conn.execute("SELECT key, value FROM settings")},
        )
        row = conn.execute("SELECT kind, content_id, part, depth, topic, at FROM last WHERE slot = 1").fetchone()
        if row:
            memory.last_kind, memory.last_id, memory.last_part, memory.last_depth, memory.last_topic, memory.last_at = row
        return memory

    def record(self, kind: str, content_id: str) -> None:
        """Log that an item was given and mark it used."""
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("INSERT INTO history (kind, content_id, at) VALUES (?, ?, ?)", (kind, content_id, time.time()))
                self._conn.execute("INSERT OR IGNORE INTO used (content_id) VALUES (?)", (content_id,))
        except sqlite3.Error as err:
            raise StoreError(f"cannot write to {self.path} ({err})", "check the disk has space and the folder is writable") from None

    def forget_used(self, content_ids: tuple[str, ...]) -> None:
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("DELETE FROM used WHERE content_id = ?", [(i,) for i in content_ids])
        except sqlite3.Error as err:
            raise StoreError(f"cannot write to {self.path} ({err})", "check the disk has space and the folder is writable") from None

    def remember_last(self, kind: str, content_id: str, part: str, depth: str | None = None, topic: str | None = None) -> None:
        self._write(
            "INSERT OR REPLACE INTO last (slot, kind, content_id, part, depth, topic, at) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (kind, content_id, part, depth, topic, time.time()),
        )

    def add_favorite(self, content_id: str) -> None:
        self._write("INSERT OR IGNORE INTO favorites (content_id, at) VALUES (?, ?)", (content_id, time.time()))

    def set_setting(self, key: str, value: float) -> None:
        self._write("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    def log_practice(self, kind: str, item_id: str, minutes: float, completed: bool,
                     spoke: tuple[tuple[str, float], ...] = (), at: float | None = None) -> None:
        """Log a session, game or exercise done: kind, id, length and speaking time only, never words."""
        spoken = ";".join(f"{who.replace(';', ' ').replace('=', ' ')}={seconds:.1f}" for who, seconds in spoke)
        self._write("INSERT INTO practice (kind, item_id, at, minutes, completed, spoke) VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, item_id, time.time() if at is None else at, minutes, int(completed), spoken))

    def practice(self) -> list[PracticeRow]:
        """Every practice logged, oldest first."""
        try:
            rows = self._conn.execute("SELECT kind, item_id, at, minutes, completed, spoke FROM practice ORDER BY at, id").fetchall()
        except sqlite3.Error as err:
            raise StoreError(f"cannot read the practice log in {self.path} ({err})", "check the file is readable") from None
        return [(k, i, a, m, bool(c), _spoke(s)) for k, i, a, m, c, s in rows]

    def history(self, limit: int = 100) -> list[tuple[str, str, float]]:
        """Most recent (kind, content_id, epoch seconds) first."""
        rows = self._conn.execute("SELECT kind, content_id, at FROM history ORDER BY id DESC LIMIT ?", (limit,))
        return [(k, c, a) for k, c, a in rows]


def _spoke(text: str) -> tuple[tuple[str, float], ...]:
    pairs = (part.rsplit("=", 1) for part in text.split(";") if "=" in part)
    return tuple((who, float(seconds)) for who, seconds in pairs)
