"""Grants are listed newest first, a page at a time: an index in that order

Revision ID: a7e3c9d5f110
Revises: e5c9a3b7d108
Create Date: 2026-12-10 12:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a7e3c9d5f110"
down_revision = "e5c9a3b7d108"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX: no table rebuild, so SQLite keeps its triggers.
    op.create_index("ix_grants_start_date_id", "grants", ["start_date", "id"])


def downgrade():
    op.drop_index("ix_grants_start_date_id", table_name="grants")
