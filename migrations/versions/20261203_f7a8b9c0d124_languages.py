"""languages: the language each account chose for pages and email

Revision ID: f7a8b9c0d124
Revises: e5f6a7b8c123
Create Date: 2026-12-03 08:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f7a8b9c0d124"
down_revision = "e5f6a7b8c123"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("locale")
