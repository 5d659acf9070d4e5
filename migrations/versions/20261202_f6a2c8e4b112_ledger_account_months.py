"""Each ledger account's money month by month, kept by the database as entries are made, so the
money pages add up a few rows for each account rather than every entry

An entry counts in the month of its transaction's day. Entries never change once made, so an
insert trigger is all it takes to keep the months right.

Revision ID: f6a2c8e4b112
Revises: b8f4d0a6e111
Create Date: 2026-12-02 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f6a2c8e4b112"
down_revision = "b8f4d0a6e111"
branch_labels = None
depends_on = None

DEBIT = "CASE WHEN {a} > 0 THEN {a} ELSE 0 END"
CREDIT = "CASE WHEN {a} < 0 THEN -{a} ELSE 0 END"
MONTH = {
    "postgresql": "CAST(date_trunc('month', CAST(t.occurred_on AS timestamp)) AS date)",
    "sqlite": "date(t.occurred_on, 'start of month')",
}
UPSERT = """
    INSERT INTO ledger_account_months
        (account_id, month_start, debit_pence, credit_pence, entry_count)
    SELECT NEW.account_id, {month}, {debit}, {credit}, 1
    FROM ledger_transactions t WHERE t.id = NEW.transaction_id
    ON CONFLICT (account_id, month_start) DO UPDATE SET
        debit_pence = ledger_account_months.debit_pence + excluded.debit_pence,
        credit_pence = ledger_account_months.credit_pence + excluded.credit_pence,
        entry_count = ledger_account_months.entry_count + 1
"""


def upgrade():
    op.create_table(
        "ledger_account_months",
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("ledger_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("debit_pence", sa.BigInteger(), nullable=False),
        sa.Column("credit_pence", sa.BigInteger(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "month_start"),
    )
    dialect = op.get_bind().dialect.name
    month = MONTH[dialect]
    op.execute(  # the SQL is built from the constants above only
        f"""
        INSERT INTO ledger_account_months
            (account_id, month_start, debit_pence, credit_pence, entry_count)
        SELECT e.account_id, {month},
            SUM({DEBIT.format(a="e.amount_pence")}), SUM({CREDIT.format(a="e.amount_pence")}),
            COUNT(*)
        FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
        GROUP BY e.account_id, {month}
        """  # noqa: S608
    )
    upsert = UPSERT.format(
        month=month,
        debit=DEBIT.format(a="NEW.amount_pence"),
        credit=CREDIT.format(a="NEW.amount_pence"),
    )
    if dialect == "postgresql":
        op.execute(  # the SQL is built from the constants above only
            f"""
            CREATE FUNCTION ledger_account_months_add() RETURNS trigger AS $$
            BEGIN
                {upsert};
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER ledger_entries_by_month AFTER INSERT ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_account_months_add()"
        )
    else:
        op.execute(  # the SQL is built from the constants above only
            f"""
            CREATE TRIGGER ledger_entries_by_month AFTER INSERT ON ledger_entries
            BEGIN {upsert}; END
            """
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_by_month ON ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS ledger_account_months_add()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_by_month")
    op.drop_table("ledger_account_months")
