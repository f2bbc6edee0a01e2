"""messages admins labelled with the right intent, for training

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("labelled_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_nlu_labels"),
        sa.UniqueConstraint("text", name="uq_nlu_labels_text"),
        sa.ForeignKeyConstraint(
            ["labelled_by"], ["staff_users.id"], name="fk_nlu_labels_labelled_by_staff_users"
        ),
    )


def downgrade() -> None:
    op.drop_table("nlu_labels")
