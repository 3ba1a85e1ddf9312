"""The running coach: the loop, the one place that wires the stages, events, the status line."""
