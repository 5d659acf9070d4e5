"""opendata: ONS codes for places and wards, for the locations in open data

Revision ID: e5f6a7b8c123
Revises: d4e5f6a7b122
Create Date: 2026-12-03 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5f6a7b8c123"
down_revision = "d4e5f6a7b122"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("places", sa.Column("gss_code", sa.String(length=9), nullable=True))
    op.add_column("wards", sa.Column("gss_code", sa.String(length=9), nullable=True))


def downgrade():
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later have it): rebuilding the
    # tables would trip the foreign keys of every table that names a place or a ward.
    for table in ("wards", "places"):
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.drop_column("gss_code")
