"""The coach's dialogue: a pure state machine from a match (or a clock tick) to actions, and its memory interface."""
