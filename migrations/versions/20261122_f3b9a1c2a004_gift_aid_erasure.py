"""Gift Aid declarations are erased once they need not be kept

Revision ID: f3b9a1c2a004
Revises: e8c4d1f0a003
Create Date: 2026-11-22 06:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import giving.timeutil

# revision identifiers, used by Alembic.
revision = "f3b9a1c2a004"
down_revision = "e8c4d1f0a003"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "gift_aid_declarations",
        sa.Column("erased_at", giving.timeutil.UTCDateTime(), nullable=True),
    )


def downgrade():
    op.drop_column("gift_aid_declarations", "erased_at")
