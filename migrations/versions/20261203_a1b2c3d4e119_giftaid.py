"""giftaid: contactless gifts, and small donations (GASDS) claimed with a Gift Aid claim

A gift may be given by contactless card reader ('contactless'). A claim keeps the total of
the small cash and contactless gifts it claims under the Gift Aid Small Donations Scheme
(gift_aid_claims.small_donations_pence), and each such gift once, ever
(gift_aid_small_donations, one row per gift, with the HMRC tax year it counts in).

Revision ID: a1b2c3d4e119
Revises: f6a8c0e2b118
Create Date: 2026-12-03 08:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a1b2c3d4e119"
down_revision = "f6a8c0e2b118"
branch_labels = None
depends_on = None

OLD_METHODS = ("card", "cash", "cheque", "bank_transfer")
NEW_METHODS = (*OLD_METHODS, "contactless")


def _method(*values):
    return sa.Enum(
        *values, name="donation_method", native_enum=False, create_constraint=True, length=32
    )


def _sqlite_triggers():
    """SQLite's triggers by name: rebuilding a table drops the triggers on it, so they are
    put back afterwards."""
    if op.get_bind().dialect.name != "sqlite":
        return {}
    found = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return dict(op.get_bind().execute(found).all())


def _alter_methods(old, new):
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.alter_column(
            "method", existing_type=_method(*old), type_=_method(*new), existing_nullable=False
        )


def _drop_small_total():
    with op.batch_alter_table("gift_aid_claims", schema=None) as batch_op:
        batch_op.drop_column("small_donations_pence")


def _rebuilding(change):
    """Make a ``change`` that SQLite does by rebuilding a table (the migrations run there with
    foreign keys off, and every link is checked before they commit: see env.py). Other
    tables' triggers may name this one: they must not be checked while it is rebuilt, and the
    triggers on the table itself are put back afterwards."""
    if op.get_bind().dialect.name != "sqlite":
        change()
        return
    triggers = _sqlite_triggers()
    op.execute("PRAGMA legacy_alter_table = ON")
    change()
    op.execute("PRAGMA legacy_alter_table = OFF")
    now = _sqlite_triggers()
    for name, sql in triggers.items():
        if name not in now:
            op.execute(sql)


def upgrade():
    _rebuilding(lambda: _alter_methods(OLD_METHODS, NEW_METHODS))
    with op.batch_alter_table("gift_aid_claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("small_donations_pence", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "gift_aid_small_donations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("donation_id", sa.Integer(), nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_gift_aid_small_donations_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["gift_aid_claims.id"],
            name=op.f("fk_gift_aid_small_donations_claim_id_gift_aid_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["donation_id"],
            ["donations.id"],
            name=op.f("fk_gift_aid_small_donations_donation_id_donations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_aid_small_donations")),
        sa.UniqueConstraint("donation_id", name=op.f("uq_gift_aid_small_donations_donation_id")),
    )
    with op.batch_alter_table("gift_aid_small_donations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gift_aid_small_donations_claim_id"), ["claim_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gift_aid_small_donations_tax_year"), ["tax_year"], unique=False
        )


def downgrade():
    contactless = op.get_bind().execute(
        sa.text("SELECT count(*) FROM donations WHERE method = 'contactless'")
    )
    if contactless.scalar():
        raise RuntimeError(
            "There are contactless gifts: the schema before them cannot hold them. "
            "Change or delete them first."
        )
    with op.batch_alter_table("gift_aid_small_donations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_aid_small_donations_tax_year"))
        batch_op.drop_index(batch_op.f("ix_gift_aid_small_donations_claim_id"))
    op.drop_table("gift_aid_small_donations")
    _rebuilding(_drop_small_total)
    _rebuilding(lambda: _alter_methods(NEW_METHODS, OLD_METHODS))
