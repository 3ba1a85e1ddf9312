"""The companion screen: a local web page that shows the coach live (state, question, captions, countdown).

The page only ever sees the coach's own words and the exercise state; its buttons are typed into the
same command path as spoken commands. ``start_screen`` wires it to a runtime; see ``server`` and ``bridge``.
"""

from __future__ import annotations

from voice_coach.app.screen.bridge import ScreenBridge, ScreenEars, start_screen
from voice_coach.app.screen.view import COMMAND_PHRASES, PAGE_EVENTS, ScreenView

__all__ = ["COMMAND_PHRASES", "PAGE_EVENTS", "ScreenBridge", "ScreenEars", "ScreenView", "start_screen"]
