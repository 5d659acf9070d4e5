"""Merge the funds and the panels branches, which both follow rounds and applications

Revision ID: 0c4a2b7d9e31
Revises: a5f8c65f47b7, dfe616af1d99
Create Date: 2026-11-21 23:59:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0c4a2b7d9e31"
down_revision = ("a5f8c65f47b7", "dfe616af1d99")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
