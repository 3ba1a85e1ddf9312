"""Speech models: finding them, choosing the engine, fetching and checking downloads."""
