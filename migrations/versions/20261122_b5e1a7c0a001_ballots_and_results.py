"""Ballots, voting codes and results

Revision ID: b5e1a7c0a001
Revises: 0c4a2b7d9e31
Create Date: 2026-11-22 02:10:00.000000

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import giving.timeutil  # noqa: F401

# revision identifiers, used by Alembic.
revision = "b5e1a7c0a001"
down_revision = "0c4a2b7d9e31"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
