"""What the practice log says: sessions and exercises this week and month, minutes spoken, streaks (pure)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from voice_coach.exercise.words import number_words

_LOGGER = logging.getLogger(__name__)

PracticeRow = tuple[str, str, float, float, bool, tuple[tuple[str, float], ...]]
"""One logged practice: (kind, item id, epoch seconds at the end, minutes, completed, ((partner, seconds spoken), ...))."""


@dataclass(frozen=True)
class PracticeSummary:
    """Counts and minutes from the practice log; nothing anyone said."""

    sessions_week: int = 0
    sessions_month: int = 0
    """Guided sessions and games begun and logged (finished or stopped)."""
    exercises_week: int = 0
    exercises_month: int = 0
    spoke_month_min: dict[str, float] = field(default_factory=dict)
    """Partner -> minutes spoken in the listening exercise this month."""
    spoke_total_min: dict[str, float] = field(default_factory=dict)
    """Partner -> minutes spoken in the listening exercise, all time."""
    longest_streak_weeks: int = 0
    """Most calendar weeks (Monday to Sunday) in a row with any practice."""
    current_streak_weeks: int = 0
    """Weeks in a row with practice, up to this week (or last week, if none yet this week)."""

    def to_json(self) -> dict[str, object]:
        return {
            "sessions": {"this_week": self.sessions_week, "this_month": self.sessions_month},
            "exercises": {"this_week": self.exercises_week, "this_month": self.exercises_month},
            "minutes_spoken": {"this_month": self.spoke_month_min, "all_time": self.spoke_total_min},
            "streak_weeks": {"longest": self.longest_streak_weeks, "current": self.current_streak_weeks},
        }


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def summarize(rows: Sequence[PracticeRow], today: date) -> PracticeSummary:
    """Summarise the log as of ``today`` (local dates)."""
    week, month = _week(today), (today.year, today.month)
    counts = {"sessions_week": 0, "sessions_month": 0, "exercises_week": 0, "exercises_month": 0}
    spoke_month: dict[str, float] = {}
    spoke_total: dict[str, float] = {}
    weeks: set[date] = set()
    for kind, _item, at, _minutes, _completed, spoke in rows:
        day = datetime.fromtimestamp(at).date()
        weeks.add(_week(day))
        what = "exercises" if kind == "exercise" else "sessions"
        if (day.year, day.month) == month:
            counts[f"{what}_month"] += 1
            for who, seconds in spoke:
                spoke_month[who] = spoke_month.get(who, 0.0) + seconds / 60.0
        if _week(day) == week:
            counts[f"{what}_week"] += 1
        for who, seconds in spoke:
            spoke_total[who] = spoke_total.get(who, 0.0) + seconds / 60.0
    longest = run = 0
    previous: date | None = None
    for start in sorted(weeks):
        run = run + 1 if previous is not None and start - previous == timedelta(weeks=1) else 1
        longest, previous = max(longest, run), start
    current = 0
    cursor = week if week in weeks else week - timedelta(weeks=1)
    while cursor in weeks:
        current, cursor = current + 1, cursor - timedelta(weeks=1)
    return PracticeSummary(**counts, spoke_month_min={k: round(v, 1) for k, v in spoke_month.items()},
                           spoke_total_min={k: round(v, 1) for k, v in spoke_total.items()},
                           longest_streak_weeks=longest, current_streak_weeks=current)


def _count(n: int, one: str, many: str) -> str:
    return f"{number_words(n) if n else 'no'} {one if n == 1 else many}"


def _minutes(value: float) -> str:
    whole = round(value)
    return "under a minute" if whole < 1 else f"{number_words(whole)} minute{'s' if whole != 1 else ''}"


def spoken(summary: PracticeSummary) -> str:
    """The answer to "coach, how are we doing?", at most a few short sentences."""
    if not (summary.sessions_month or summary.exercises_month or summary.longest_streak_weeks):
        return "There's nothing in your practice log yet. Say let's do a date-night session to start one."
    parts = [
        f"This week you've done {_count(summary.sessions_week, 'session', 'sessions')} and "
        f"{_count(summary.exercises_week, 'listening exercise', 'listening exercises')}.",
        f"This month it's {_count(summary.sessions_month, 'session', 'sessions')} and "
        f"{_count(summary.exercises_month, 'exercise', 'exercises')}.",
    ]
    if summary.spoke_month_min:
        said = [f"{who} spoke for {_minutes(m)}" for who, m in summary.spoke_month_min.items()]
        parts.append(f"In the exercise this month, {' and '.join(said)}.")
    if summary.longest_streak_weeks > 1:
        parts.append(f"Your longest run is {number_words(summary.longest_streak_weeks)} weeks in a row.")
    return " ".join(parts)


def printed(summary: PracticeSummary) -> str:
    """The same, as lines for ``voice-coach log``."""
    lines = [
        f"sessions:  {summary.sessions_week} this week, {summary.sessions_month} this month",
        f"exercises: {summary.exercises_week} this week, {summary.exercises_month} this month",
    ]
    for who, minutes in summary.spoke_month_min.items():
        lines.append(f"spoke in the exercise this month: {who} {minutes:g} min (all time {summary.spoke_total_min.get(who, 0):g} min)")
    lines.append(f"streak (weeks in a row with practice): longest {summary.longest_streak_weeks}, current {summary.current_streak_weeks}")
    return "\n".join(lines)
