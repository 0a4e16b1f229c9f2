"""Slack delivery: Block Kit builders, the one posting helper and all user-facing text; used by bot/ and jobs/."""
