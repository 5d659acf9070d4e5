"""Public reports: surveys and feedback privacy

Revision ID: e8c4d1f0a003
Revises: d7a3f2b0a002
Create Date: 2026-11-22 02:12:00.000000

"""

import sqlalchemy as sa
from alembic import op

import giving.timeutil  # noqa: F401

# revision identifiers, used by Alembic.
revision = "e8c4d1f0a003"
down_revision = "d7a3f2b0a002"
branch_labels = None
depends_on = None

RATINGS = ("respect", "clarity", "time", "overall")


def upgrade():
    op.create_table(
        "place_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("people >= 0", name=op.f("ck_place_figures_people_not_negative")),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_figures_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_figures")),
        sa.UniqueConstraint(
            "place_id", "category", "label", name=op.f("uq_place_figures_place_id_category_label")
        ),
    )
    with op.batch_alter_table("place_figures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_figures_place_id"), ["place_id"], unique=False)

    op.create_table(
        "funder_ratings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in RATINGS],
        sa.Column("answered_on", sa.Date(), nullable=False),
        *[
            sa.CheckConstraint(
                f"{name} >= 1 AND {name} <= 5", name=op.f(f"ck_funder_ratings_{name}_in_range")
            )
            for name in RATINGS
        ],
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_funder_ratings_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funder_ratings")),
    )
    with op.batch_alter_table("funder_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funder_ratings_round_id"), ["round_id"], unique=False)

    op.create_table(
        "funder_rating_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_funder_rating_receipts_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_funder_rating_receipts_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funder_rating_receipts")),
        sa.UniqueConstraint(
            "round_id", "group_id", name=op.f("uq_funder_rating_receipts_round_id_group_id")
        ),
    )
    with op.batch_alter_table("funder_rating_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funder_rating_receipts_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_funder_rating_receipts_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "participant_gains",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("skills", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Boolean(), nullable=False),
        sa.Column("new_role", sa.Boolean(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_participant_gains_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_gains")),
    )
    with op.batch_alter_table("participant_gains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_gains_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "participant_gain_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_participant_gain_receipts_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_participant_gain_receipts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_gain_receipts")),
        sa.UniqueConstraint(
            "round_id", "user_id", name=op.f("uq_participant_gain_receipts_round_id_user_id")
        ),
    )
    with op.batch_alter_table("participant_gain_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_gain_receipts_round_id"), ["round_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_gain_receipts_user_id"), ["user_id"], unique=False
        )

    # A plain ADD COLUMN: copying the table, as batch mode would on SQLite, breaks the foreign
    # keys of the rows that point at applications.
    op.add_column(
        "applications",
        sa.Column("feedback_private", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35 and later), for the same reason as in upgrade().
    op.drop_column("applications", "feedback_private")
    for table, columns in (
        ("participant_gain_receipts", ("user_id", "round_id")),
        ("participant_gains", ("round_id",)),
        ("funder_rating_receipts", ("round_id", "group_id")),
        ("funder_ratings", ("round_id",)),
        ("place_figures", ("place_id",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
