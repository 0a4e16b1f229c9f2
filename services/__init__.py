"""The use cases (post a digest run, grade an answer, import an inventory) that listeners, the scheduler and the CLI call."""
