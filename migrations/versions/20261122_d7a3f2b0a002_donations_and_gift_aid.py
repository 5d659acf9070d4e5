"""Donations, match pledges and Gift Aid

Revision ID: d7a3f2b0a002
Revises: b5e1a7c0a001
Create Date: 2026-11-22 02:11:00.000000

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import giving.timeutil  # noqa: F401

# revision identifiers, used by Alembic.
revision = "d7a3f2b0a002"
down_revision = "b5e1a7c0a001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
