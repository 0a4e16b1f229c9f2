"""Finding the AI calls in code (SPEC.md, "Finding the AI calls in code: `batchscout scan`").

:func:`scan` reads a repository without importing or running it: the LLM calls by their SDK's
shape (Python through :mod:`ast`, TypeScript/JavaScript and Go through ast-grep), the
schedules that run code (GitHub Actions, Kubernetes, crontab, Celery beat, APScheduler,
Airflow, Vercel, Cloudflare, Serverless/SAM), which calls a schedule reaches, and the advice
for each. :mod:`batchscout.scan.report` writes the result as text, JSON, SARIF, GitHub
annotations or an inventory. This layer imports only the base and :mod:`batchscout.audit`
(the inventory format and the flex prices): no Slack, no database.
"""

from __future__ import annotations

from batchscout.scan.model import Advice, Context, Finding, ScanResult, Schedule, Skipped
from batchscout.scan.scanner import scan

__all__ = ["Advice", "Context", "Finding", "ScanResult", "Schedule", "Skipped", "scan"]
