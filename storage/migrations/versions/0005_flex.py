"""Service tiers: a workflow's flex price per request, and negotiated flex rates.

Mode ``flex`` needs no schema change (modes are plain strings). Existing workflows priced from a
catalog model get their flex price filled in from the price catalog, as saving them again would
(SPEC.md, "Service tiers"); those with a cost per request, a negotiated rate (which has no flex
price until one is set) or a model the catalog no longer knows keep none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flex_per_request", sa.String(length=48), nullable=True))
    with op.batch_alter_table("price_override", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flex_input_per_mtok", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("flex_output_per_mtok", sa.String(length=48), nullable=True))
    _fill_flex_prices()


def _fill_flex_prices() -> None:
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
            flex = quote(
                provider=Provider(provider),
                model=model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cost_per_request=None,
            ).flex_per_request
        except (PricingError, ValueError):
            continue
        if flex is not None:
            connection.execute(
                sa.text("UPDATE workflow SET flex_per_request = :flex WHERE id = :id"),
                {"flex": f"{Decimal(flex):f}", "id": workflow_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("price_override", schema=None) as batch_op:
        batch_op.drop_column("flex_output_per_mtok")
        batch_op.drop_column("flex_input_per_mtok")
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.drop_column("flex_per_request")
