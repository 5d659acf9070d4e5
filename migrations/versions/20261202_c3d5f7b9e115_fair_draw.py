"""Fair draw: a panel lottery whose chance comes from a public source fixed in advance.

Adds panel_lotteries (one per panel: the public source and method named while people offer;
when offers close, the frozen anonymised pool and quotas, their SHA-256 fingerprint and
everyone's chances; then the public result and the draw it made) and panel_draws.alternates
(everyone not chosen, in the order replacements come from). Existing draws keep their staff
seed and no alternates, and can still be checked.

Revision ID: c3d5f7b9e115
Revises: b2c4e6a8d114
Create Date: 2026-12-02 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import giving.timeutil


# revision identifiers, used by Alembic.
revision = "c3d5f7b9e115"
down_revision = "b2c4e6a8d114"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "panel_lotteries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("stated_by_id", sa.Integer(), nullable=True),
        sa.Column("stated_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("closed_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("pool", sa.JSON(), nullable=True),
        sa.Column("quotas", sa.JSON(), nullable=True),
        sa.Column("pool_hash", sa.String(length=64), nullable=True),
        sa.Column("chances", sa.JSON(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("draw_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "algorithm IN ('maximin', 'legacy')", name=op.f("ck_panel_lotteries_known_algorithm")
        ),
        sa.CheckConstraint("length(source) > 0", name=op.f("ck_panel_lotteries_source_given")),
        sa.CheckConstraint(
            "(closed_at IS NULL AND pool_hash IS NULL AND pool IS NULL AND quotas IS NULL"
            " AND chances IS NULL)"
            " OR (closed_at IS NOT NULL AND length(pool_hash) = 64 AND pool IS NOT NULL"
            " AND quotas IS NOT NULL AND chances IS NOT NULL AND seats >= 1)",
            name=op.f("ck_panel_lotteries_closed_with_fingerprint"),
        ),
        sa.CheckConstraint(
            "(result IS NULL AND draw_id IS NULL)"
            " OR (closed_at IS NOT NULL AND length(result) > 0)",
            name=op.f("ck_panel_lotteries_result_after_closing"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["panel_draws.id"],
            name=op.f("fk_panel_lotteries_draw_id_panel_draws"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_panel_lotteries_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stated_by_id"],
            ["users.id"],
            name=op.f("fk_panel_lotteries_stated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_lotteries")),
        sa.UniqueConstraint("panel_id", name=op.f("uq_panel_lotteries_panel_id")),
    )
    op.add_column("panel_draws", sa.Column("alternates", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("panel_draws", schema=None) as batch_op:
        batch_op.drop_column("alternates")
    op.drop_table("panel_lotteries")
