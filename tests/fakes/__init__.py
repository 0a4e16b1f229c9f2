"""Test doubles for Slack's Web API and signed requests, shared by the whole test suite."""
