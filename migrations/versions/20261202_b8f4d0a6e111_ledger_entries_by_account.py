"""Money pages sum a fund's ledger entries account by account: an index that holds what they
read (account, transaction, amount), so the sums read the index and not the table

Revision ID: b8f4d0a6e111
Revises: a7e3c9d5f110
Create Date: 2026-12-10 13:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "b8f4d0a6e111"
down_revision = "a7e3c9d5f110"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX: no table rebuild, so SQLite keeps its triggers.
    op.create_index(
        "ix_ledger_entries_account_id_transaction_id_amount",
        "ledger_entries",
        ["account_id", "transaction_id", "amount_pence"],
    )


def downgrade():
    op.drop_index("ix_ledger_entries_account_id_transaction_id_amount", table_name="ledger_entries")
