"""Grant figures and the grant search read a place's grants by fund and state: an index that
holds what they read (fund, state, start date, group, amount), so the year list, the count of
matching grants and the sums by size and by ward read the index and not the table

Revision ID: a9d3f7c2e113
Revises: f6a2c8e4b112
Create Date: 2026-12-10 15:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a9d3f7c2e113"
down_revision = "f6a2c8e4b112"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX: no table rebuild, so SQLite keeps its triggers.
    op.create_index(
        "ix_grants_fund_id_state_start_date_group_id_total",
        "grants",
        ["fund_id", "state", "start_date", "group_id", "total_pence"],
    )


def downgrade():
    op.drop_index("ix_grants_fund_id_state_start_date_group_id_total", table_name="grants")
