"""Every lane: a workflow's priority price and prompt-cache saving per request, its cached
share and whether caching is on (SPEC.md, "Every lane").

Mode ``priority`` needs no schema change (modes are plain strings). Existing workflows priced
from a catalog model get their priority price filled in from the price catalog, as saving them
again would; those with a cost per request, a negotiated rate or a model the catalog no longer
knows keep none. No workflow has a cached share yet, so none has a cache saving.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cached_share", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("priority_per_request", sa.String(length=48), nullable=True))
        batch_op.add_column(
            sa.Column("cache_saving_per_request", sa.String(length=48), nullable=True)
        )
        batch_op.add_column(
            sa.Column("caching", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _fill_priority_prices()


def _fill_priority_prices() -> None:
    from batchscout.audit.pricing import PricingError, Provider, quote

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT w.id, w.provider, w.model, w.input_tokens, w.output_tokens FROM workflow w "
            "WHERE w.cost_per_request IS NULL AND w.model IS NOT NULL "
            "AND w.input_tokens IS NOT NULL AND w.output_tokens IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM price_override o WHERE o.team_id = w.team_id "
            "AND o.provider = w.provider AND o.model = lower(trim(w.model)))"
        )
    ).all()
    for workflow_id, provider, model, input_tokens, output_tokens in rows:
        try:
            priority = quote(
                provider=Provider(provider),
                model=model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cost_per_request=None,
            ).priority_per_request
        except (PricingError, ValueError):
            continue
        if priority is not None:
            connection.execute(
                sa.text("UPDATE workflow SET priority_per_request = :price WHERE id = :id"),
                {"price": f"{Decimal(priority):f}", "id": workflow_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.drop_column("caching")
        batch_op.drop_column("cache_saving_per_request")
        batch_op.drop_column("priority_per_request")
        batch_op.drop_column("cached_share")
