"""Baseline: the actions' database exactly as the releases before migrations made it with create_all.

A database those releases made has this table and no version table; actions.pending_schema stamps it at this
revision instead of running it. So this revision must never change: a schema change is a new revision.

Revision ID: 0001_baseline
Revises:
Created: 2026-12-07
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "pending_complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("sender_id", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.String(length=20), nullable=True),
        sa.Column("filing_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=True),
        sa.Column("citizen_told_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_pending_complaints_state", "pending_complaints", ["state"])


def downgrade() -> None:
    op.drop_table("pending_complaints")
