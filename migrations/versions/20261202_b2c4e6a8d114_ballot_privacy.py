"""Ballot privacy: a ballot no longer carries a keyed hash of who cast it (voter_token), nor
its receipt code; it keeps only the SHA-256 of the receipt (receipt_hash), which the voter
needs to change it, and whether the ballot box has been shuffled since it was cast or changed
(mixed). Existing ballots keep working: their receipts are hashed here, and they are marked
not shuffled, so the next ``flask tick`` shuffles their ballot boxes.

Downgrading cannot bring back the receipts or the voter tokens (only hashes are kept): it puts
the receipt hash's start where the receipt was and a random token per ballot, so the ballots
still count but can no longer be changed.

Revision ID: b2c4e6a8d114
Revises: a9d3f7c2e113
Create Date: 2026-12-02 19:00:00.000000

"""

import hashlib
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2c4e6a8d114"
down_revision = "a9d3f7c2e113"
branch_labels = None
depends_on = None

ballots = sa.table(
    "ballots",
    sa.column("id", sa.String),
    sa.column("receipt", sa.String),
    sa.column("voter_token", sa.String),
    sa.column("receipt_hash", sa.String),
)


def _hash(receipt):
    clean = "".join(ch for ch in receipt.upper() if ch.isalnum())
    return hashlib.sha256(clean.encode()).hexdigest()


def _sqlite_triggers():
    """SQLite's triggers by name, to check that none is lost."""
    if op.get_bind().dialect.name != "sqlite":
        return {}
    found = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return dict(op.get_bind().execute(found).all())


def _copy(source, target, names):
    old = sa.table(source, *(sa.column(name) for name in names))
    new = sa.table(target, *(sa.column(name) for name in names))
    op.execute(new.insert().from_select(list(names), sa.select(*old.c)))


def _rebuild_sqlite(columns, constraints, copied):
    """Make the ballots table again with ``columns`` and ``constraints``, copying ``copied``.

    SQLite cannot drop these columns in place, and a batch rebuild (or a rename) of ballots
    while foreign keys are on (they cannot be switched off inside the migration's
    transaction) would delete every ballot's choices (ON DELETE CASCADE) or point them at the
    old table. So both tables are copied aside, dropped child first (nothing cascades), made
    again as they should be, and filled from the copies."""
    triggers = _sqlite_triggers()
    ballot_columns = ["id", "vote_id", *copied]
    choice_columns = ["ballot_id", "option_id", "points"]
    op.execute("CREATE TABLE _ballots_before AS SELECT * FROM ballots")
    op.execute("CREATE TABLE _ballot_choices_before AS SELECT * FROM ballot_choices")
    op.drop_table("ballot_choices")
    op.drop_table("ballots")
    op.create_table(
        "ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["vote_id"], ["votes.id"], name=op.f("fk_ballots_vote_id_votes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        *constraints,
    )
    op.create_index(op.f("ix_ballots_vote_id"), "ballots", ["vote_id"], unique=False)
    op.create_table(
        "ballot_choices",
        sa.Column("ballot_id", sa.String(length=32), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.CheckConstraint("points >= 1", name=op.f("ck_ballot_choices_points_positive")),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_choices_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["vote_options.id"],
            name=op.f("fk_ballot_choices_option_id_vote_options"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", "option_id", name=op.f("pk_ballot_choices")),
    )
    op.create_index("ix_ballot_choices_option_id", "ballot_choices", ["option_id"], unique=False)
    _copy("_ballots_before", "ballots", ballot_columns)
    _copy("_ballot_choices_before", "ballot_choices", choice_columns)
    op.drop_table("_ballot_choices_before")
    op.drop_table("_ballots_before")
    now = _sqlite_triggers()
    for name, sql in triggers.items():
        if name not in now:
            op.execute(sql)


def upgrade():
    op.add_column("ballots", sa.Column("receipt_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "ballots", sa.Column("mixed", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(ballots.c.id, ballots.c.receipt)).all()
    for ballot_id, receipt in rows:
        bind.execute(
            ballots.update().where(ballots.c.id == ballot_id).values(receipt_hash=_hash(receipt))
        )

    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(
            [
                sa.Column("receipt_hash", sa.String(length=64), nullable=False),
                sa.Column("mixed", sa.Boolean(), server_default=sa.false(), nullable=False),
            ],
            [
                sa.UniqueConstraint("receipt_hash", name=op.f("uq_ballots_receipt_hash")),
                sa.CheckConstraint(
                    "length(receipt_hash) = 64", name=op.f("ck_ballots_receipt_hash_length")
                ),
            ],
            ["receipt_hash", "mixed"],
        )
    else:
        op.alter_column(
            "ballots", "receipt_hash", existing_type=sa.String(length=64), nullable=False
        )
        op.drop_constraint("uq_ballots_vote_id_voter_token", "ballots", type_="unique")
        op.drop_constraint("uq_ballots_receipt", "ballots", type_="unique")
        op.drop_column("ballots", "voter_token")
        op.drop_column("ballots", "receipt")
        op.create_unique_constraint("uq_ballots_receipt_hash", "ballots", ["receipt_hash"])
        op.create_check_constraint(
            op.f("ck_ballots_receipt_hash_length"), "ballots", "length(receipt_hash) = 64"
        )
    op.create_index("ix_ballots_to_mix", "ballots", ["mixed", "vote_id"], unique=False)


def downgrade():
    op.drop_index("ix_ballots_to_mix", table_name="ballots")
    op.add_column("ballots", sa.Column("receipt", sa.String(length=16), nullable=True))
    op.add_column("ballots", sa.Column("voter_token", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(ballots.c.id, ballots.c.receipt_hash)).all()
    for ballot_id, hashed in rows:
        bind.execute(
            ballots.update()
            .where(ballots.c.id == ballot_id)
            .values(receipt=hashed[:16].upper(), voter_token=secrets.token_hex(32))
        )

    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(
            [
                sa.Column("receipt", sa.String(length=16), nullable=False),
                sa.Column("voter_token", sa.String(length=64), nullable=False),
            ],
            [
                sa.UniqueConstraint("receipt", name=op.f("uq_ballots_receipt")),
                sa.UniqueConstraint(
                    "vote_id", "voter_token", name=op.f("uq_ballots_vote_id_voter_token")
                ),
            ],
            ["receipt", "voter_token"],
        )
        return
    op.alter_column("ballots", "receipt", existing_type=sa.String(length=16), nullable=False)
    op.alter_column("ballots", "voter_token", existing_type=sa.String(length=64), nullable=False)
    op.drop_constraint(op.f("ck_ballots_receipt_hash_length"), "ballots", type_="check")
    op.drop_constraint("uq_ballots_receipt_hash", "ballots", type_="unique")
    op.drop_column("ballots", "mixed")
    op.drop_column("ballots", "receipt_hash")
    op.create_unique_constraint("uq_ballots_receipt", "ballots", ["receipt"])
    op.create_unique_constraint(
        "uq_ballots_vote_id_voter_token", "ballots", ["vote_id", "voter_token"]
    )
