"""reminders: sent reminders, each once, and a way to turn reminders off

Revision ID: d4e5f6a7b122
Revises: a1b2c3d4e119
Create Date: 2026-12-03 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import giving.timeutil

# revision identifiers, used by Alembic.
revision = "d4e5f6a7b122"
down_revision = "a1b2c3d4e119"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("reminders_on", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_table(
        "sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=20), nullable=False),
        sa.Column("sent_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sent_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_reminders")),
        sa.UniqueConstraint(
            "kind", "subject_id", "user_id", "occasion", name="uq_sent_reminders_once"
        ),
    )
    op.create_index("ix_sent_reminders_user_id", "sent_reminders", ["user_id"], unique=False)


def downgrade():
    op.drop_index("ix_sent_reminders_user_id", table_name="sent_reminders")
    op.drop_table("sent_reminders")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("reminders_on")
