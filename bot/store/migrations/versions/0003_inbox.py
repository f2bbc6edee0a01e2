"""inbound messages (replacing telegram updates), issued buttons, event tickets, session expiry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import json
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _chat_of(payload: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message", "callback_query"):
        part = payload.get(key) or {}
        chat = (part.get("message") or {}).get("chat") if key == "callback_query" else None
        chat = chat or part.get("chat")
        if chat and "id" in chat:
            return int(chat["id"])
    return None


def upgrade() -> None:
    inbound = op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(64)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        sa.UniqueConstraint("channel", "external_id", name="uq_inbound_messages_external"),
    )
    op.create_index("ix_inbound_messages_conversation_id", "inbound_messages", ["conversation_id"])
    op.create_index("ix_inbound_messages_status", "inbound_messages", ["status"])
    # Telegram updates received but never handled move over, so nothing is lost.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT update_id, payload FROM telegram_updates "
            "WHERE status = 'received' ORDER BY update_id"
        )
    ).fetchall()
    moved = []
    for update_id, payload in rows:
        # SQLite hands JSON back as text, PostgreSQL as a dict.
        payload = json.loads(payload) if isinstance(payload, str) else payload
        chat = _chat_of(payload)
        if chat is None:
            continue
        moved.append(
            {
                "channel": "telegram",
                "conversation_id": f"tg-{chat}",
                "external_id": str(update_id),
                "kind": "telegram",
                "body": payload,
                "status": "pending",
                "attempts": 0,
                "delivered": 0,
                "created_at": datetime.now(timezone.utc),
            }
        )
    if moved:
        op.bulk_insert(inbound, moved)
    op.drop_table("telegram_updates")

    op.create_table(
        "issued_buttons",
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_issued_buttons"),
        sa.UniqueConstraint("conversation_id", "payload", name="uq_issued_buttons_payload"),
    )
    op.create_table(
        "event_tickets",
        sa.Column("ticket_hash", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_hash", name="pk_event_tickets"),
    )
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(
            sa.Column(
                "last_seen_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
    op.drop_table("event_tickets")
    op.drop_table("issued_buttons")
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="pk_telegram_updates"),
    )
    op.drop_table("inbound_messages")
