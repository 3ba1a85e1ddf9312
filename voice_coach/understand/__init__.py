"""Understanding: intents loaded from data, the matcher (wake word, fuzzy templates, slots, context)."""
