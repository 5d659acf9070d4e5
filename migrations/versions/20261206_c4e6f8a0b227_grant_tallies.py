"""Each fund's grants counted by state, kind and size, with their check-ins, kept by the
database as grants and check-ins are made, changed and removed, so the scorecards and the
grant sizes chart read a few rows rather than every grant

A grant counts for its fund in one row: its state, whether it is restricted, whether it runs
for more than one year, and its size band (as the grant sizes chart draws them); the row also
counts the grant's check-ins, and of those the written updates. Triggers on the grants add a
new grant, move a changed one (with its check-ins) from its old row to its new one, and take a
removed one away before its check-ins go with it (they are removed after the grant, when it
can no longer be found). Triggers on the check-ins add and take away each one in the row of
its grant, after locking the grant, so a check-in made while its grant changes is counted
where the grant ends up.

Revision ID: c4e6f8a0b227
Revises: b9c1d3e5f126
Create Date: 2026-12-06 02:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e6f8a0b227"
down_revision = "b9c1d3e5f126"
branch_labels = None
depends_on = None

# The grant sizes chart's bands, in pence (under £1,000; to £4,999; to £9,999; to £24,999;
# £25,000 or more). Bands drawn differently would need a migration that counts again.
BAND = (
    "CASE WHEN {pence} <= 99999 THEN 'under-1000' WHEN {pence} <= 499999 THEN '1000-4999' "
    "WHEN {pence} <= 999999 THEN '5000-9999' WHEN {pence} <= 2499999 THEN '10000-24999' "
    "ELSE '25000-plus' END"
)
KEY = "fund_id, state, restricted, multi_year, size_band"


def _key(g: str) -> str:
    """The row a grant ``g`` (a row or a table alias) counts in."""
    return f"{g}.fund_id, {g}.state, {g}.restricted, {g}.years >= 2, " + BAND.format(
        pence=f"{g}.total_pence"
    )


UPDATES = "COALESCE(SUM(CASE WHEN c.kind = 'update' THEN 1 ELSE 0 END), 0)"
# Adds to a row; ``{rows}`` is a SELECT of (key..., grants, check-ins, updates) with a WHERE.
ADD = f"""
    INSERT INTO fund_grant_tallies
        ({KEY}, grant_count, checkin_count, update_count)
    {{rows}}
    ON CONFLICT ({KEY}) DO UPDATE SET
        grant_count = fund_grant_tallies.grant_count + excluded.grant_count,
        checkin_count = fund_grant_tallies.checkin_count + excluded.checkin_count,
        update_count = fund_grant_tallies.update_count + excluded.update_count
"""
# A grant with its check-ins, added (sign "") or taken away (sign "-").
GRANT = (
    "SELECT {key}, {sign}1, {sign}COUNT(c.id), {sign}" + UPDATES + " "
    "FROM grant_checkins c WHERE c.grant_id = {r}.id"
)
# One check-in, in the row of its grant (none when the grant has gone).
CHECKIN = (
    "SELECT {key}, 0, {sign}1, {sign}(CASE WHEN {r}.kind = 'update' THEN 1 ELSE 0 END) "
    "FROM grants g WHERE g.id = {r}.grant_id"
)
GRANT_ADDED = ADD.format(rows=GRANT.format(key=_key("NEW"), sign="", r="NEW"))
GRANT_REMOVED = ADD.format(rows=GRANT.format(key=_key("OLD"), sign="-", r="OLD"))
CHECKIN_ADDED = ADD.format(rows=CHECKIN.format(key=_key("g"), sign="", r="NEW"))
CHECKIN_REMOVED = ADD.format(rows=CHECKIN.format(key=_key("g"), sign="-", r="OLD"))
GRANT_WAS = "OLD.fund_id, OLD.state, OLD.restricted, OLD.years, OLD.total_pence"
GRANT_NOW = "NEW.fund_id, NEW.state, NEW.restricted, NEW.years, NEW.total_pence"
# The row keys compared in one order, so that two moves at once touch rows in turn.
KEY_WAS = f"({_key('OLD')})"
KEY_NOW = f"({_key('NEW')})"


def upgrade():
    op.create_table(
        "fund_grant_tallies",
        sa.Column(
            "fund_id", sa.Integer(), sa.ForeignKey("funds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("multi_year", sa.Boolean(), nullable=False),
        sa.Column("size_band", sa.String(length=16), nullable=False),
        sa.Column("grant_count", sa.Integer(), nullable=False),
        sa.Column("checkin_count", sa.Integer(), nullable=False),
        sa.Column("update_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fund_id", "state", "restricted", "multi_year", "size_band"),
    )
    op.execute(  # the SQL is built from the constants above only
        f"""
        INSERT INTO fund_grant_tallies ({KEY}, grant_count, checkin_count, update_count)
        SELECT {_key("g")}, COUNT(*), COALESCE(SUM(c.checkins), 0), COALESCE(SUM(c.updates), 0)
        FROM grants g LEFT JOIN (
            SELECT c.grant_id, COUNT(*) AS checkins, {UPDATES} AS updates
            FROM grant_checkins c GROUP BY c.grant_id
        ) c ON c.grant_id = g.id
        GROUP BY 1, 2, 3, 4, 5
        """  # noqa: S608
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _postgresql():
    op.execute(  # the SQL is built from the constants above only
        f"""
        CREATE FUNCTION fund_grant_tallies_grant() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {GRANT_ADDED};
                RETURN NULL;
            END IF;
            IF TG_OP = 'DELETE' THEN
                {GRANT_REMOVED};
                RETURN OLD;
            END IF;
            -- A change touches two rows: always the lower key first, so that two changes at
            -- once wait in turn, never on each other.
            IF {KEY_NOW} < {KEY_WAS} THEN
                {GRANT_ADDED};
                {GRANT_REMOVED};
            ELSE
                {GRANT_REMOVED};
                {GRANT_ADDED};
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER grants_tallied AFTER INSERT ON grants "
        "FOR EACH ROW EXECUTE FUNCTION fund_grant_tallies_grant()"
    )
    op.execute(
        "CREATE TRIGGER grants_tallied_changed AFTER UPDATE ON grants "
        f"FOR EACH ROW WHEN (({GRANT_WAS}) IS DISTINCT FROM ({GRANT_NOW})) "
        "EXECUTE FUNCTION fund_grant_tallies_grant()"
    )
    op.execute(
        "CREATE TRIGGER grants_tallied_removed BEFORE DELETE ON grants "
        "FOR EACH ROW EXECUTE FUNCTION fund_grant_tallies_grant()"
    )
    op.execute(  # the SQL is built from the constants above only
        f"""
        CREATE FUNCTION fund_grant_tallies_checkin() RETURNS trigger AS $$
        BEGIN
            -- The grant is locked first: a change to it made at the same time either waits
            -- for this check-in, and moves it along, or is seen by it.
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM 1 FROM grants WHERE id = OLD.grant_id FOR NO KEY UPDATE;
                {CHECKIN_REMOVED};
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                PERFORM 1 FROM grants WHERE id = NEW.grant_id FOR NO KEY UPDATE;
                {CHECKIN_ADDED};
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER checkins_tallied AFTER INSERT OR DELETE ON grant_checkins "
        "FOR EACH ROW EXECUTE FUNCTION fund_grant_tallies_checkin()"
    )
    op.execute(
        "CREATE TRIGGER checkins_tallied_changed AFTER UPDATE ON grant_checkins "
        "FOR EACH ROW WHEN ((OLD.grant_id, OLD.kind) IS DISTINCT FROM (NEW.grant_id, NEW.kind)) "
        "EXECUTE FUNCTION fund_grant_tallies_checkin()"
    )


def _sqlite():
    for statement in (  # the SQL is built from the constants above only
        f"""CREATE TRIGGER grants_tallied AFTER INSERT ON grants
            BEGIN {GRANT_ADDED}; END""",
        f"""CREATE TRIGGER grants_tallied_changed AFTER UPDATE ON grants
            WHEN ({GRANT_WAS}) IS NOT ({GRANT_NOW})
            BEGIN {GRANT_REMOVED}; {GRANT_ADDED}; END""",
        f"""CREATE TRIGGER grants_tallied_removed BEFORE DELETE ON grants
            BEGIN {GRANT_REMOVED}; END""",
        f"""CREATE TRIGGER checkins_tallied AFTER INSERT ON grant_checkins
            BEGIN {CHECKIN_ADDED}; END""",
        f"""CREATE TRIGGER checkins_tallied_removed AFTER DELETE ON grant_checkins
            BEGIN {CHECKIN_REMOVED}; END""",
        f"""CREATE TRIGGER checkins_tallied_changed AFTER UPDATE ON grant_checkins
            WHEN (OLD.grant_id, OLD.kind) IS NOT (NEW.grant_id, NEW.kind)
            BEGIN {CHECKIN_REMOVED}; {CHECKIN_ADDED}; END""",
    ):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (
            ("checkins_tallied_changed", "grant_checkins"),
            ("checkins_tallied", "grant_checkins"),
            ("grants_tallied_removed", "grants"),
            ("grants_tallied_changed", "grants"),
            ("grants_tallied", "grants"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS fund_grant_tallies_checkin()")
        op.execute("DROP FUNCTION IF EXISTS fund_grant_tallies_grant()")
    else:
        for name in (
            "checkins_tallied_changed",
            "checkins_tallied_removed",
            "checkins_tallied",
            "grants_tallied_removed",
            "grants_tallied_changed",
            "grants_tallied",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("fund_grant_tallies")
