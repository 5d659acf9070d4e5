"""Ranked ballots: a vote's ballot kind may be 'ranked' (put up to max_choices projects in
order), and a ranked vote must say how many projects a ballot may rank (1 to 10).

A ranked ballot's choices keep their place in the order in ballot_choices.points
(1 = first choice), so that table does not change.

Revision ID: d4e6a8c0f116
Revises: c3d5f7b9e115
Create Date: 2026-12-02 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4e6a8c0f116"
down_revision = "c3d5f7b9e115"
branch_labels = None
depends_on = None

OLD_KINDS = ("approval", "knapsack", "cumulative")
NEW_KINDS = (*OLD_KINDS, "ranked")


def _kind(*values):
    return sa.Enum(
        *values, name="ballot_kind", native_enum=False, create_constraint=True, length=32
    )


def _sqlite_triggers():
    """SQLite's triggers by name: rebuilding the votes table (to change its CHECKs) drops
    the triggers on it, so they are put back afterwards."""
    if op.get_bind().dialect.name != "sqlite":
        return {}
    found = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return dict(op.get_bind().execute(found).all())


def _restore_triggers(before):
    now = _sqlite_triggers()
    for name, sql in before.items():
        if name not in now:
            op.execute(sql)


def _rebuild_votes(old, new, add_limit):
    triggers = _sqlite_triggers()
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Triggers on other tables name votes: they must not be checked while it is rebuilt.
        op.execute("PRAGMA legacy_alter_table = ON")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        if not add_limit:
            batch_op.drop_constraint("ranked_has_limit", type_="check")
        batch_op.alter_column(
            "ballot_kind", existing_type=_kind(*old), type_=_kind(*new), existing_nullable=False
        )
        if add_limit:
            batch_op.create_check_constraint(
                "ranked_has_limit",
                "ballot_kind <> 'ranked' OR (max_choices IS NOT NULL AND max_choices >= 1 AND "
                "max_choices <= 10)",
            )
    if sqlite:
        op.execute("PRAGMA legacy_alter_table = OFF")
    _restore_triggers(triggers)


def upgrade():
    _rebuild_votes(OLD_KINDS, NEW_KINDS, add_limit=True)


def downgrade():
    ranked = op.get_bind().execute(
        sa.text("SELECT count(*) FROM votes WHERE ballot_kind = 'ranked'")
    )
    if ranked.scalar():
        raise RuntimeError(
            "There are ranked votes: the schema before ranked ballots cannot hold them. "
            "Delete them first if they are no longer needed."
        )
    _rebuild_votes(NEW_KINDS, OLD_KINDS, add_limit=False)
