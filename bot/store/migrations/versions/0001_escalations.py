"""escalations and their triggers

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("other_mentions", sa.JSON(), nullable=False),
        sa.Column("callback_name", sa.String(80)),
        sa.Column("callback_phone", sa.String(32)),
        sa.Column("callback_time", sa.String(120)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_escalations"),
    )
    op.create_index("ix_escalations_conversation_id", "escalations", ["conversation_id"])
    op.create_index(
        "uq_escalations_open_conversation",
        "escalations",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "escalation_triggers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("other_mentions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_triggers"),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name="fk_escalation_triggers_escalation_id_escalations",
        ),
        sa.UniqueConstraint("conversation_id", "message_id", name="uq_trigger_message"),
    )
    op.create_index(
        "ix_escalation_triggers_escalation_id", "escalation_triggers", ["escalation_id"]
    )


def downgrade() -> None:
    op.drop_table("escalation_triggers")
    op.drop_index("uq_escalations_open_conversation", table_name="escalations")
    op.drop_table("escalations")
