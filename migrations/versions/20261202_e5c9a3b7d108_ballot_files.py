"""Ballot files: a counted vote's published ballots, written once when it is counted

Revision ID: e5c9a3b7d108
Revises: d4b8f2a6c107
Create Date: 2026-12-10 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import giving.timeutil


# revision identifiers, used by Alembic.
revision = "e5c9a3b7d108"
down_revision = "d4b8f2a6c107"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vote_ballot_files",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_vote_ballot_files_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vote_id", name=op.f("pk_vote_ballot_files")),
    )
    write_files_for_counted_votes(op.get_bind())


def write_files_for_counted_votes(connection):
    """Votes counted before files were kept get theirs now, built from their ballots. The
    builder reads named columns only, so it does not depend on the rest of today's models."""
    from voting.services.results import election_of, keep_ballot_file, write_ballot_file

    counted = connection.execute(
        sa.text(
            "SELECT id, rule, tie_break_seed FROM votes "
            "WHERE status IN ('counted', 'awarded') ORDER BY id"
        )
    ).all()
    for vote_id, rule, seed in counted:
        election = election_of(connection, vote_id)
        keep_ballot_file(connection, vote_id, write_ballot_file(election, rule, seed))


def downgrade():
    op.drop_table("vote_ballot_files")
