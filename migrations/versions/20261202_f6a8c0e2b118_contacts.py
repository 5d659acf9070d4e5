"""contacts: who to ask about a place's funding and about each fund (name, email, phone)

Revision ID: f6a8c0e2b118
Revises: e5f7b9d1a117
Create Date: 2026-12-02 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f6a8c0e2b118"
down_revision = "e5f7b9d1a117"
branch_labels = None
depends_on = None

TABLES = ("places", "funds")
EMAIL_CHECK = "contact_email IS NULL OR contact_email LIKE '%_@_%'"


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("contact_name", sa.String(length=120), nullable=True))
            batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
            batch_op.add_column(sa.Column("contact_phone", sa.String(length=30), nullable=True))
            batch_op.create_check_constraint("contact_email_valid", EMAIL_CHECK)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint("contact_email_valid", type_="check")
            batch_op.drop_column("contact_phone")
            batch_op.drop_column("contact_email")
            batch_op.drop_column("contact_name")
