"""Each fund's grant instalments by financial year and state, added up and kept by the
database as instalments are made, changed and removed, so the fund's commitments read a few
rows rather than every instalment

An instalment counts for its grant's fund, in its own financial year and state. Triggers on
the instalments keep the sums: one adds a new instalment, one takes a removed one away, and
one moves a changed one (a new state, year or amount) from its old row to its new one. A grant
removed takes its instalments away before they go with it (they are removed after the grant,
when it can no longer be found), and a grant moved to another fund takes them along.

Revision ID: b9c1d3e5f126
Revises: a8b9c0d1e125
Create Date: 2026-12-06 00:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b9c1d3e5f126"
down_revision = "a8b9c0d1e125"
branch_labels = None
depends_on = None

# Adds to a fund's year and state; ``{rows}`` is a SELECT of (fund, year, state, pence, count).
ADD = """
    INSERT INTO fund_instalment_years
        (fund_id, financial_year, state, amount_pence, instalment_count)
    {rows}
    ON CONFLICT (fund_id, financial_year, state) DO UPDATE SET
        amount_pence = fund_instalment_years.amount_pence + excluded.amount_pence,
        instalment_count = fund_instalment_years.instalment_count + excluded.instalment_count
"""
ONE = (
    "SELECT g.fund_id, {r}.financial_year, {r}.state, {sign}{r}.amount_pence, {sign}1 "
    "FROM grants g WHERE g.id = {r}.grant_id"
)
ALL_OF = (
    "SELECT {fund}, i.financial_year, i.state, {sign}SUM(i.amount_pence), {sign}COUNT(*) "
    "FROM grant_instalments i WHERE i.grant_id = OLD.id GROUP BY i.financial_year, i.state"
)
INSERTED = ADD.format(rows=ONE.format(r="NEW", sign=""))
REMOVED = ADD.format(rows=ONE.format(r="OLD", sign="-"))
GRANT_REMOVED = ADD.format(rows=ALL_OF.format(fund="OLD.fund_id", sign="-"))
GRANT_ARRIVED = ADD.format(rows=ALL_OF.format(fund="NEW.fund_id", sign=""))
CHANGED = "OLD.grant_id, OLD.financial_year, OLD.state, OLD.amount_pence"
NOW = "NEW.grant_id, NEW.financial_year, NEW.state, NEW.amount_pence"


def upgrade():
    op.create_table(
        "fund_instalment_years",
        sa.Column(
            "fund_id", sa.Integer(), sa.ForeignKey("funds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("instalment_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fund_id", "financial_year", "state"),
    )
    op.execute(
        """
        INSERT INTO fund_instalment_years
            (fund_id, financial_year, state, amount_pence, instalment_count)
        SELECT g.fund_id, i.financial_year, i.state, SUM(i.amount_pence), COUNT(*)
        FROM grant_instalments i JOIN grants g ON g.id = i.grant_id
        GROUP BY g.fund_id, i.financial_year, i.state
        """
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _postgresql():
    op.execute(  # the SQL is built from the constants above only
        f"""
        CREATE FUNCTION fund_instalment_years_keep() RETURNS trigger AS $$
        BEGIN
            -- A change touches two rows: always in the same order (by year, then state), so
            -- that two changes at once wait in turn, never on each other.
            IF TG_OP = 'UPDATE'
                AND (NEW.financial_year, NEW.state::text) < (OLD.financial_year, OLD.state::text)
            THEN
                {INSERTED};
                {REMOVED};
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {REMOVED};
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                {INSERTED};
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER instalments_by_year AFTER INSERT OR DELETE ON grant_instalments "
        "FOR EACH ROW EXECUTE FUNCTION fund_instalment_years_keep()"
    )
    op.execute(
        "CREATE TRIGGER instalments_by_year_changed AFTER UPDATE ON grant_instalments "
        f"FOR EACH ROW WHEN (({CHANGED}) IS DISTINCT FROM ({NOW})) "
        "EXECUTE FUNCTION fund_instalment_years_keep()"
    )
    op.execute(  # the SQL is built from the constants above only
        f"""
        CREATE FUNCTION fund_instalment_years_grant() RETURNS trigger AS $$
        BEGIN
            {GRANT_REMOVED};
            IF TG_OP = 'UPDATE' THEN
                {GRANT_ARRIVED};
                RETURN NEW;
            END IF;
            RETURN OLD;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER grant_instalments_by_year BEFORE DELETE ON grants "
        "FOR EACH ROW EXECUTE FUNCTION fund_instalment_years_grant()"
    )
    op.execute(
        "CREATE TRIGGER grant_instalments_by_year_moved AFTER UPDATE OF fund_id ON grants "
        "FOR EACH ROW WHEN (OLD.fund_id IS DISTINCT FROM NEW.fund_id) "
        "EXECUTE FUNCTION fund_instalment_years_grant()"
    )


def _sqlite():
    for statement in (  # the SQL is built from the constants above only
        f"""CREATE TRIGGER instalments_by_year AFTER INSERT ON grant_instalments
            BEGIN {INSERTED}; END""",
        f"""CREATE TRIGGER instalments_by_year_removed AFTER DELETE ON grant_instalments
            BEGIN {REMOVED}; END""",
        f"""CREATE TRIGGER instalments_by_year_changed AFTER UPDATE ON grant_instalments
            WHEN ({CHANGED}) IS NOT ({NOW})
            BEGIN {REMOVED}; {INSERTED}; END""",
        f"""CREATE TRIGGER grant_instalments_by_year BEFORE DELETE ON grants
            BEGIN {GRANT_REMOVED}; END""",
        f"""CREATE TRIGGER grant_instalments_by_year_moved AFTER UPDATE OF fund_id ON grants
            WHEN OLD.fund_id IS NOT NEW.fund_id
            BEGIN {GRANT_REMOVED}; {GRANT_ARRIVED}; END""",
    ):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS grant_instalments_by_year_moved ON grants")
        op.execute("DROP TRIGGER IF EXISTS grant_instalments_by_year ON grants")
        op.execute("DROP TRIGGER IF EXISTS instalments_by_year_changed ON grant_instalments")
        op.execute("DROP TRIGGER IF EXISTS instalments_by_year ON grant_instalments")
        op.execute("DROP FUNCTION IF EXISTS fund_instalment_years_grant()")
        op.execute("DROP FUNCTION IF EXISTS fund_instalment_years_keep()")
    else:
        for name in (
            "grant_instalments_by_year_moved",
            "grant_instalments_by_year",
            "instalments_by_year_changed",
            "instalments_by_year_removed",
            "instalments_by_year",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("fund_instalment_years")
