"""The database refuses a ledger transaction that does not add up to nothing

Each transaction says how many entries it has. An entry past that number is refused, and
when the last one is in, the entries must add up to nothing. Entries never change once made.

Revision ID: a6d4e2f1b005
Revises: f3b9a1c2a004
Create Date: 2026-11-22 06:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a6d4e2f1b005"
down_revision = "f3b9a1c2a004"
branch_labels = None
depends_on = None

TOO_MANY = "a ledger transaction cannot have more entries than it says"
UNBALANCED = "a ledger transaction must add up to nothing"
FIXED = "ledger entries never change once made"

COUNT = "(SELECT COUNT(*) FROM ledger_entries WHERE transaction_id = NEW.transaction_id)"
DECLARED = "(SELECT entry_count FROM ledger_transactions WHERE id = NEW.transaction_id)"
TOTAL = "(SELECT SUM(amount_pence) FROM ledger_entries WHERE transaction_id = NEW.transaction_id)"


def _postgres_guard(name: str, condition: str, message: str, returns: str) -> None:
    op.execute(  # the SQL is built from the constants above only
        f"""
        CREATE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            IF {condition} THEN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN {returns};
        END;
        $$ LANGUAGE plpgsql
        """
    )


def upgrade():
    op.add_column(
        "ledger_transactions",
        sa.Column("entry_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE ledger_transactions SET entry_count = (SELECT COUNT(*) FROM ledger_entries"
        " WHERE ledger_entries.transaction_id = ledger_transactions.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_guard("ledger_entries_declared_guard", f"{COUNT} >= {DECLARED}", TOO_MANY, "NEW")
        _postgres_guard(
            "ledger_entries_balanced_guard",
            f"{COUNT} = {DECLARED} AND {TOTAL} <> 0",
            UNBALANCED,
            "NULL",
        )
        _postgres_guard("ledger_entries_fixed_guard", "TRUE", FIXED, "NEW")
        op.execute(
            "CREATE TRIGGER ledger_entries_declared BEFORE INSERT ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entries_declared_guard()"
        )
        op.execute(
            "CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entries_balanced_guard()"
        )
        op.execute(
            "CREATE TRIGGER ledger_entries_fixed BEFORE UPDATE ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entries_fixed_guard()"
        )
    else:
        op.execute(  # the SQL is built from the constants above only
            f"""
            CREATE TRIGGER ledger_entries_declared BEFORE INSERT ON ledger_entries
            WHEN {COUNT} >= {DECLARED}
            BEGIN SELECT RAISE(ABORT, '{TOO_MANY}'); END
            """
        )
        op.execute(  # the SQL is built from the constants above only
            f"""
            CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
            WHEN {COUNT} = {DECLARED} AND {TOTAL} <> 0
            BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER ledger_entries_fixed BEFORE UPDATE ON ledger_entries
            BEGIN SELECT RAISE(ABORT, '{FIXED}'); END
            """
        )


def downgrade():
    names = ("ledger_entries_declared", "ledger_entries_balanced", "ledger_entries_fixed")
    if op.get_bind().dialect.name == "postgresql":
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON ledger_entries")
            op.execute(f"DROP FUNCTION IF EXISTS {name}_guard()")
    else:
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column("ledger_transactions", "entry_count")
