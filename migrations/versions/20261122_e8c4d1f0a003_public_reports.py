"""Public reports: surveys and feedback privacy

Revision ID: e8c4d1f0a003
Revises: d7a3f2b0a002
Create Date: 2026-11-22 02:12:00.000000

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import giving.timeutil  # noqa: F401

# revision identifiers, used by Alembic.
revision = "e8c4d1f0a003"
down_revision = "d7a3f2b0a002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
