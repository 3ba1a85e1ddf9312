"""The guided listening exercise: a pure state machine with its spoken commands, config and words."""
