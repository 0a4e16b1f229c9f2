"""Batchscout: the application entry points (command line, settings)."""
