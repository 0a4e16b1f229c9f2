"""SQLModel tables for slack (see storage/models.py for conventions)."""

from __future__ import annotations
