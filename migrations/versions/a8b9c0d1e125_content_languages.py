"""content languages: a place's languages, and the texts of rounds, questions, criteria and
funds in each of them

Revision ID: a8b9c0d1e125
Revises: f7a8b9c0d124
Create Date: 2026-12-03 13:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a8b9c0d1e125"
down_revision = "f7a8b9c0d124"
branch_labels = None
depends_on = None

TRANSLATED = ("rounds", "round_questions", "round_criteria", "funds")
# An open round's questions and criteria stay frozen (see the rounds_and_applications
# migration), but their words in other languages may be given at any time: the triggers that
# refuse an UPDATE now watch every column but ``translations``.
FROZEN_COLUMNS = {
    "round_questions": ("id", "round_id", "position", "text", "why_asked", "word_limit"),
    "round_criteria": ("id", "round_id", "position", "name", "description", "weight"),
}
MESSAGE = "'The questions and rules of an open round cannot change'"


def _freeze(columns_of: dict[str, tuple[str, ...] | None]) -> None:
    """Make each table's frozen-when-open trigger again, firing on an UPDATE of ``columns``
    (None: of any column, as before this migration)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, columns in columns_of.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR {update} OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION round_rules_frozen()"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_update")
            op.execute(
                f"CREATE TRIGGER {table}_frozen_update BEFORE {update} ON {table} "  # noqa: S608
                "WHEN (SELECT status FROM rounds WHERE id = OLD.round_id) <> 'draft' "
                f"BEGIN SELECT RAISE(ABORT, {MESSAGE}); END"
            )


def upgrade():
    # SQLite adds a CHECK only by rebuilding the table; env.py turns its foreign keys off
    # while it does, and checks every link before the change is kept.
    with op.batch_alter_table("places") as batch_op:
        batch_op.add_column(
            sa.Column("languages", sa.String(length=40), server_default="en", nullable=False)
        )
        batch_op.create_check_constraint("languages_given", "length(languages) >= 2")
    for table in TRANSLATED:
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.add_column(
                sa.Column("translations", sa.JSON(), server_default="{}", nullable=False)
            )
    _freeze(dict(FROZEN_COLUMNS))


def downgrade():
    _freeze(dict.fromkeys(FROZEN_COLUMNS))
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later) for the texts; the places
    # table is rebuilt on SQLite to lose its CHECK.
    for table in reversed(TRANSLATED):
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.drop_column("translations")
    with op.batch_alter_table("places") as batch_op:
        batch_op.drop_constraint("languages_given", type_="check")
        batch_op.drop_column("languages")
