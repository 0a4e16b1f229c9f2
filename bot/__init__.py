"""Everything Slack: the app factory, listeners, the conversation, Block Kit rendering."""
