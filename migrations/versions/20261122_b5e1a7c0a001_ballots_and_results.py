"""Ballots, voting codes and results

Revision ID: b5e1a7c0a001
Revises: 0c4a2b7d9e31
Create Date: 2026-11-22 02:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

import giving.timeutil

# revision identifiers, used by Alembic.
revision = "b5e1a7c0a001"
down_revision = "0c4a2b7d9e31"
branch_labels = None
depends_on = None

# A vote's settings freeze once its first ballot is in: the database refuses to change them.
FROZEN = (
    "rule",
    "ballot_kind",
    "max_choices",
    "points_total",
    "budget_pence",
    "tie_break_seed",
    "opens_at",
    "closes_at",
)
MESSAGE = "this vote has ballots, so its settings are frozen"


def _create_freeze_guard():
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
        op.execute(  # the SQL is built from the constants above only
            f"""
            CREATE FUNCTION votes_frozen_guard() RETURNS trigger AS $$
            BEGIN
                IF ({changed})
                   AND EXISTS (SELECT 1 FROM ballots WHERE vote_id = OLD.id) THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """  # noqa: S608
        )
        op.execute(
            "CREATE TRIGGER votes_frozen BEFORE UPDATE ON votes "
            "FOR EACH ROW EXECUTE FUNCTION votes_frozen_guard()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)
        op.execute(  # the SQL is built from the constants above only
            f"""
            CREATE TRIGGER votes_frozen BEFORE UPDATE ON votes
            WHEN ({changed}) AND EXISTS (SELECT 1 FROM ballots WHERE vote_id = OLD.id)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """  # noqa: S608
        )


def _drop_freeze_guard():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS votes_frozen ON votes")
        op.execute("DROP FUNCTION IF EXISTS votes_frozen_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS votes_frozen")


def upgrade():
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "panel",
                "public",
                name="vote_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "counted",
                "awarded",
                name="vote_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column(
            "ballot_kind",
            sa.Enum(
                "approval",
                "knapsack",
                "cumulative",
                name="ballot_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("points_total", sa.Integer(), nullable=True),
        sa.Column("budget_pence", sa.BigInteger(), nullable=False),
        sa.Column("tie_break_seed", sa.String(length=64), nullable=False),
        sa.Column("opens_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("closes_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("closed_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("counted_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("awarded_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "(ballot_kind = 'cumulative') = (points_total IS NOT NULL)",
            name=op.f("ck_votes_points_only_for_cumulative"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('counted', 'awarded') OR counted_at IS NOT NULL",
            name=op.f("ck_votes_counted_has_counted_at"),
        ),
        sa.CheckConstraint("budget_pence > 0", name=op.f("ck_votes_budget_positive")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_votes_closes_after_opening")),
        sa.CheckConstraint("length(tie_break_seed) > 0", name=op.f("ck_votes_seed_given")),
        sa.CheckConstraint(
            "max_choices IS NULL OR max_choices >= 1", name=op.f("ck_votes_max_choices_positive")
        ),
        sa.CheckConstraint(
            "points_total IS NULL OR (points_total >= 1 AND points_total <= 1000)",
            name=op.f("ck_votes_points_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_votes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_votes_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("round_id", "kind", name=op.f("uq_votes_round_id_kind")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_round_id"), ["round_id"], unique=False)

    op.create_table(
        "ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=16), nullable=False),
        sa.Column("voter_token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["votes.id"], name=op.f("fk_ballots_vote_id_votes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("receipt", name=op.f("uq_ballots_receipt")),
        sa.UniqueConstraint("vote_id", "voter_token", name=op.f("uq_ballots_vote_id_voter_token")),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballots_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "vote_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("cost_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("cost_pence > 0", name=op.f("ck_vote_options_cost_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_vote_options_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_vote_options_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_options")),
        sa.UniqueConstraint(
            "vote_id", "application_id", name=op.f("uq_vote_options_vote_id_application_id")
        ),
    )
    with op.batch_alter_table("vote_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vote_options_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vote_options_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "voting_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("used_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_voting_codes_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_voting_codes_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["wards.id"],
            name=op.f("fk_voting_codes_ward_id_wards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_voting_codes_code_hash")),
    )
    with op.batch_alter_table("voting_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voting_codes_vote_id"), ["vote_id"], unique=False)

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
    with op.batch_alter_table("ballot_choices", schema=None) as batch_op:
        batch_op.create_index("ix_ballot_choices_option_id", ["option_id"], unique=False)

    op.create_table(
        "vote_voters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("voting_code_id", sa.Integer(), nullable=True),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("voted_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (voting_code_id IS NULL)",
            name=op.f("ck_vote_voters_one_kind_of_voter"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_vote_voters_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["votes.id"], name=op.f("fk_vote_voters_vote_id_votes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["voting_code_id"],
            ["voting_codes.id"],
            name=op.f("fk_vote_voters_voting_code_id_voting_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["wards.id"],
            name=op.f("fk_vote_voters_ward_id_wards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_voters")),
        sa.UniqueConstraint("vote_id", "user_id", name=op.f("uq_vote_voters_vote_id_user_id")),
        sa.UniqueConstraint(
            "vote_id", "voting_code_id", name=op.f("uq_vote_voters_vote_id_voting_code_id")
        ),
    )
    with op.batch_alter_table("vote_voters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_voters_vote_id"), ["vote_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_voters_ward_id"), ["ward_id"], unique=False)
    _create_freeze_guard()


def downgrade():
    _drop_freeze_guard()
    with op.batch_alter_table("vote_voters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_voters_ward_id"))
        batch_op.drop_index(batch_op.f("ix_vote_voters_vote_id"))

    op.drop_table("vote_voters")
    with op.batch_alter_table("ballot_choices", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_choices_option_id")

    op.drop_table("ballot_choices")
    with op.batch_alter_table("voting_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voting_codes_vote_id"))

    op.drop_table("voting_codes")
    with op.batch_alter_table("vote_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_options_vote_id"))
        batch_op.drop_index(batch_op.f("ix_vote_options_application_id"))

    op.drop_table("vote_options")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_vote_id"))

    op.drop_table("ballots")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_votes_round_id"))

    op.drop_table("votes")
