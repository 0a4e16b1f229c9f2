"""SQLModel tables for digest (see storage/models.py for conventions)."""

from __future__ import annotations
