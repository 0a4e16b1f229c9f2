"""Provider usage use cases: store an imported window, build the report, its JSON document,
and keep the admin keys (environment for one workspace, encrypted per workspace for many).

The readers that fetch a window live in :mod:`batchscout.jobs.usage` (the layer above);
the CLI and the worker read, then call :func:`import_window` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine
from sqlmodel import Session

from batchscout.audit.inventory import MAX_NAME, WorkflowSpec
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.money import cents_str
from batchscout.audit.pricing import PricingError, Provider, price_tokens
from batchscout.audit.savings import DEFAULT_BATCH_RATIO, Per
from batchscout.audit.usage import (
    NEEDS_ADMIN_KEY,
    AdminKeyError,
    UnregisteredScope,
    UsageProvider,
    UsageRecord,
    UsageReport,
    UsageWindow,
    WorkflowLink,
    build_report,
    describe_project,
    share_str,
)
from batchscout.logs import get_logger
from batchscout.services.followups import apply_usage
from batchscout.settings import Settings
from batchscout.storage import queries
from batchscout.storage import usage as store
from batchscout.storage.db import session_scope
from batchscout.storage.models import Workflow
from batchscout.storage.types import utcnow

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What importing a window stored."""

    provider: UsageProvider
    days: int
    buckets: int
    cost_lines: int
    billed: Decimal


def import_window(*, engine: Engine, team_id: str, window: UsageWindow) -> ImportSummary:
    """Store a window read from a provider, replacing those days, in one transaction."""
    with session_scope(engine) as session:
        queries.ensure_workspace(session=session, team_id=team_id)
        store.store_window(session=session, team_id=team_id, window=window)
        # Work marked as moved is verified (or not) by what the provider saw, over the days
        # stored up to the end of this window.
        report = usage_report(session=session, team_id=team_id, today=window.end.date())
        statuses = {u.link.name: u.status for u in report.workflows}
        apply_usage(session=session, team_id=team_id, statuses=statuses, now=utcnow())
    summary = ImportSummary(
        window.provider,
        len(window.days),
        len(window.usage),
        len(window.costs),
        sum((c.amount for c in window.costs), Decimal(0)),
    )
    log.info(
        "usage.imported", team_id=team_id,
        provider=window.provider.value, days=summary.days, buckets=summary.buckets,
        cost_lines=summary.cost_lines,
    )  # fmt: skip
    return summary


def price_record(record: UsageRecord) -> Decimal | None:
    """A bucket's tokens priced with the catalog at its tier (US dollars); ``None`` when the
    catalog does not know the model."""
    if not record.model:
        return None
    try:
        return price_tokens(
            provider=Provider(record.provider.value),
            model=record.model,
            tier=record.tier,
            input_tokens=record.input_tokens,
            cache_read_tokens=record.cache_read_tokens,
            cache_write_tokens=record.cache_write_tokens,
            output_tokens=record.output_tokens,
        )
    except PricingError:
        return None


def usage_report(*, session: Session, team_id: str, today: date | None = None) -> UsageReport:
    """The workspace's usage report over the days imported (up to 90 before ``today``)."""
    today = today or datetime.now(UTC).date()
    covered = store.covered_days(session=session, team_id=team_id, today=today)
    links = [
        WorkflowLink(
            w.name,
            w.mode,
            queries.figures_of(w).monthly_cost,
            w.usage_project,
            w.usage_api_key,
        )
        for w in queries.list_workflows(session=session, team_id=team_id)
        if w.usage_project or w.usage_api_key
    ]
    all_days = sorted({d for days in covered.values() for d in days})
    if not all_days:
        start = end = datetime.combine(today, time(0), tzinfo=UTC)
        return build_report(
            days={}, usage=[], costs=[], links=links, pricer=price_record, window=(start, end)
        )
    first, last = all_days[0], all_days[-1] + timedelta(days=1)
    start = datetime.combine(first, time(0), tzinfo=UTC)
    end = datetime.combine(last, time(0), tzinfo=UTC)
    covered_sets = {provider: set(days) for provider, days in covered.items()}
    usage = [
        r
        for r in store.usage_records(session=session, team_id=team_id, since=start, until=end)
        if r.start.date() in covered_sets.get(r.provider, set())
    ]
    costs = [
        c
        for c in store.cost_records(session=session, team_id=team_id, since=first, until=last)
        if c.day in covered_sets.get(c.provider, set())
    ]
    return build_report(
        days={provider: len(days) for provider, days in covered.items()},
        usage=usage,
        costs=costs,
        links=links,
        pricer=price_record,
        window=(start, end),
    )


def usage_document(report: UsageReport) -> dict[str, Any]:
    """``usage report --json`` (SPEC): money as two-decimal strings, shares as four-decimal
    strings, monthly figures = the window's × 30 / days."""
    return {
        "days": report.days,
        "providers": [
            {
                "provider": p.provider.value,
                "monthly_spend": cents_str(p.monthly_spend),
                "monthly_requests": (
                    None if p.monthly_requests is None else int(p.monthly_requests.to_integral())
                ),
                "batch_share": share_str(p.batch_share),
            }
            for p in report.providers
        ],
        "workflows": [
            {
                "name": w.link.name,
                "mode": w.link.mode.value,
                "estimated_monthly_cost": cents_str(w.link.estimated_monthly_cost),
                "observed_monthly_cost": cents_str(w.observed_monthly_cost),
                "observed_batch_share": share_str(w.observed_batch_share),
                "cost_source": w.cost_source.value,
                "status": w.status.value,
            }
            for w in report.workflows
        ],
        "unregistered": [
            {
                "provider": u.provider.value,
                "usage_project": u.usage_project or None,
                "usage_api_key": u.usage_api_key or None,
                "monthly_spend": cents_str(u.monthly_spend),
                "batch_share": share_str(u.batch_share),
                "looks_scheduled": u.verdict.looks_scheduled,
                "reason": u.verdict.reason,
            }
            for u in report.unregistered
        ],
    }


# -- admin keys ---------------------------------------------------------------------------------


class SecretKeyError(RuntimeError):
    """``BATCHSCOUT_SECRET_KEY`` is missing or is not a Fernet key, or a stored admin key
    cannot be decrypted with it."""


def _fernet(settings: Settings) -> Fernet:
    secret = settings.batchscout_secret_key
    if secret is None:
        raise SecretKeyError(
            "BATCHSCOUT_SECRET_KEY is not set: make one with `batchscout usage key generate`"
        )
    try:
        return Fernet(secret.get_secret_value().encode())
    except ValueError as error:
        raise SecretKeyError(
            "BATCHSCOUT_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from error


def generate_secret_key() -> str:
    """A new Fernet key for ``BATCHSCOUT_SECRET_KEY``."""
    return Fernet.generate_key().decode()


def set_admin_key(
    *, engine: Engine, settings: Settings, team_id: str, provider: UsageProvider, admin_key: str
) -> None:
    """Store a workspace's admin key for a provider, encrypted with ``BATCHSCOUT_SECRET_KEY``."""
    ciphertext = _fernet(settings).encrypt(admin_key.strip().encode()).decode()
    with session_scope(engine) as session:
        queries.ensure_workspace(session=session, team_id=team_id)
        store.save_credential(
            session=session, team_id=team_id, provider=provider, ciphertext=ciphertext
        )
    log.info("usage.key_stored", team_id=team_id, provider=provider.value)


def remove_admin_key(*, engine: Engine, team_id: str, provider: UsageProvider) -> bool:
    """Forget a workspace's stored admin key; whether there was one."""
    with session_scope(engine) as session:
        return store.delete_credential(session=session, team_id=team_id, provider=provider)


def admin_key_for(
    *, engine: Engine, settings: Settings, team_id: str, provider: UsageProvider
) -> str:
    """The admin key to read ``provider``'s reports for a workspace: its stored key, else the
    environment's ``OPENAI_ADMIN_KEY`` / ``ANTHROPIC_ADMIN_KEY``. Raises
    :class:`AdminKeyError` when there is none, :class:`SecretKeyError` when a stored key
    cannot be decrypted."""
    with session_scope(engine) as session:
        ciphertext = store.get_credential(session=session, team_id=team_id, provider=provider)
    if ciphertext is not None:
        try:
            return _fernet(settings).decrypt(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise SecretKeyError(
                f"the stored {provider.value} admin key of {team_id} cannot be decrypted with "
                "BATCHSCOUT_SECRET_KEY (was the key changed?)"
            ) from error
    secret = {
        UsageProvider.OPENAI: settings.openai_admin_key,
        UsageProvider.ANTHROPIC: settings.anthropic_admin_key,
    }[provider]
    if secret is None:
        variable = f"{provider.value.upper()}_ADMIN_KEY"
        raise AdminKeyError(
            f"{provider.value}: no admin key (set {variable}, or store one with `batchscout "
            f"usage key set`): reading usage {NEEDS_ADMIN_KEY}"
        )
    return secret.get_secret_value()


def base_url_for(settings: Settings, provider: UsageProvider) -> str | None:
    """``OPENAI_BASE_URL`` / ``ANTHROPIC_BASE_URL``, as the SDKs read them."""
    return {
        UsageProvider.OPENAI: settings.openai_base_url,
        UsageProvider.ANTHROPIC: settings.anthropic_base_url,
    }[provider]


def usage_teams(*, engine: Engine, settings: Settings) -> list[tuple[str, UsageProvider]]:
    """Every (team, provider) the worker re-imports: stored keys, plus every workspace for a
    provider whose key is in the environment."""
    with session_scope(engine) as session:
        found = set(store.teams_with_credentials(session=session))
        env = [
            provider
            for provider, key in (
                (UsageProvider.OPENAI, settings.openai_admin_key),
                (UsageProvider.ANTHROPIC, settings.anthropic_admin_key),
            )
            if key is not None
        ]
        if env:
            teams = store.teams_with_usage(session=session)
            found |= {(team, provider) for team in teams for provider in env}
    return sorted(found)


# -- one click: register an unregistered scope --------------------------------------------------


def scope_name(scope: UnregisteredScope) -> str:
    """The workflow name a registered scope gets: its provider and key (or project)."""
    ident = scope.usage_api_key or describe_project(scope.provider, scope.usage_project)
    return f"{scope.provider.value} {ident}"[:MAX_NAME]


def spec_for_scope(scope: UnregisteredScope) -> WorkflowSpec:
    """An inventory row for unregistered traffic, with the observed figures filled in.

    Volume and cost are the observed month: requests where the provider counts them, else
    runs (hours with traffic, Anthropic); the cost per request is the observed spend divided
    by that volume, on the synchronous API (the batch price is then derived as usual). A
    scheduled-looking scope is a scheduled job read by a system, with the freshness of its
    period; anything else is event-driven, read later, within minutes, for people to correct.
    """
    counted = scope.monthly_requests is not None
    volume = scope.monthly_requests if counted else scope.monthly_runs
    volume = max((volume or Decimal(0)).to_integral_value(), Decimal(1))
    on_batch = scope.batch_share >= Decimal("0.90")
    # A row's cost per request is the synchronous price: batch traffic cost about half of it.
    sync_spend = scope.monthly_spend / DEFAULT_BATCH_RATIO if on_batch else scope.monthly_spend
    cost = min(sync_spend / volume, Decimal(1000))
    period = scope.verdict.period if scope.verdict.looks_scheduled else None
    unit = "" if counted else " (volume in runs: hours with traffic; the report counts no requests)"
    return WorkflowSpec(
        name=scope_name(scope),
        description=clip_text(f"Registered from usage: {scope.verdict.reason}{unit}", 500),
        provider=Provider(scope.provider.value),
        model=scope.models[0] if len(scope.models) == 1 else None,
        requests=volume,
        per=Per.MONTH,
        cost_per_request=cost.quantize(Decimal("0.000001")) or Decimal("0.000001"),
        trigger=Trigger.SCHEDULE if period else Trigger.EVENT,
        reader=Reader.SYSTEM if period else Reader.LATER,
        freshness=Freshness(period) if period else Freshness.MINUTES,
        mode=Mode.BATCH if on_batch else Mode.SYNC,
        usage_project=scope.usage_project or None,
        usage_api_key=scope.usage_api_key or None,
    )


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Registered:
    """What one click on an unregistered scope did: the workflow, or why nothing was stored."""

    workflow: Workflow | None
    problem: str | None = None


def register_scope(
    *,
    engine: Engine,
    team_id: str,
    provider: UsageProvider,
    project: str,
    api_key: str,
    actor: str | None = None,
    today: date | None = None,
) -> Registered:
    """Register an unregistered usage scope as a workflow (from the current report, never from
    what a button carried). Nothing is stored when the scope is gone or its name is taken."""
    with session_scope(engine) as session:
        report = usage_report(session=session, team_id=team_id, today=today)
        scope = next(
            (
                u
                for u in report.unregistered
                if (u.provider, u.usage_project, u.usage_api_key) == (provider, project, api_key)
            ),
            None,
        )
        if scope is None:
            return Registered(None, "That traffic is no longer unregistered: nothing was changed.")
        spec = spec_for_scope(scope)
        if queries.get_workflow(session=session, team_id=team_id, name=spec.name) is not None:
            return Registered(
                None, f"A workflow named “{spec.name}” already exists: nothing was changed."
            )
        workflow = queries.save_spec(session=session, team_id=team_id, spec=spec, actor=actor)
    log.info("usage.scope_registered", team_id=team_id, provider=provider.value, name=spec.name)
    return Registered(workflow)
