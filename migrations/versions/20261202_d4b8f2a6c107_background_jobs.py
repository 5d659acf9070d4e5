"""Background jobs: long work for a place, how far it has got and the file it made

Revision ID: d4b8f2a6c107
Revises: c2a7e5d1b006
Create Date: 2026-12-10 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import giving.timeutil


# revision identifiers, used by Alembic.
revision = "d4b8f2a6c107"
down_revision = "c2a7e5d1b006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="job_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result_name", sa.String(length=200), nullable=True),
        sa.Column("result_type", sa.String(length=100), nullable=True),
        sa.Column("result_data", sa.LargeBinary(), nullable=True),
        sa.Column("next_url", sa.String(length=500), nullable=True),
        sa.Column("next_text", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("started_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("finished_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.CheckConstraint("done >= 0 AND total >= 0", name=op.f("ck_jobs_counts_not_negative")),
        sa.CheckConstraint(
            "(result_data IS NULL) = (result_name IS NULL)",
            name=op.f("ck_jobs_result_file_has_a_name"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_jobs_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["users.id"],
            name=op.f("fk_jobs_started_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_place_id"), ["place_id"], unique=False)


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_place_id"))
    op.drop_table("jobs")
