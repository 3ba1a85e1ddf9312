"""Practice content (starters, tips, exercise prompts, coach lines) as data files.

Schema of a content file (YAML; any file may hold any of these top-level keys)::

    category: daily_life          # required when the file has starters
    starters:
      - {id: daily_life.light.01, depth: light, text: "..."}
    topic: active_listening       # required when the file has tips
    tips:
      - {id: active_listening.01, text: "...", more: "...", try: "..."}
    prompts:                      # exercise prompts: key -> variants
      halfway: ["...", "..."]
    lines:                        # coach lines: key -> variants
      greeting: ["...", "..."]

Shipped files live in ``voice_coach/content/data``; user packs in ``<config dir>/content/*.yaml``
are merged in.
"""

from voice_coach.content.library import (
    CATEGORIES,
    DEPTHS,
    SITUATIONS,
    TOPICS,
    Library,
    Starter,
    Tip,
    load_library,
)

__all__ = ["CATEGORIES", "DEPTHS", "SITUATIONS", "TOPICS", "Library", "Starter", "Tip", "load_library"]
