"""Batchscout for assistants: an entry point beside ``bot/`` and ``jobs/``.

``server`` serves the read-only tools of :mod:`batchscout.services.tools` over the Model
Context Protocol (``batchscout mcp``); ``chat`` holds the synchronous tool-calling adapters
(OpenAI Chat Completions, Anthropic Messages) that answer questions asked in the bot's DM.
Only the command line imports this package: ``serve`` builds a chat model here and hands it to
the Bolt app as it hands the batch provider, so ``bot`` never imports an entry point sideways.
"""
