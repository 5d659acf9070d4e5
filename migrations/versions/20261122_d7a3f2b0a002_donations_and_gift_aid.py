"""Donations, match pledges and Gift Aid

Revision ID: d7a3f2b0a002
Revises: b5e1a7c0a001
Create Date: 2026-11-22 02:11:00.000000

"""

import sqlalchemy as sa
from alembic import op

import giving.timeutil

# revision identifiers, used by Alembic.
revision = "d7a3f2b0a002"
down_revision = "b5e1a7c0a001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("received_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("waiting_for", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_stripe_events_event_id")),
    )
    with op.batch_alter_table("stripe_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stripe_events_waiting_for"), ["waiting_for"], unique=False
        )
    op.create_table(
        "gift_aid_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("to_on", sa.Date(), nullable=False),
        sa.Column("total_pence", sa.BigInteger(), nullable=False),
        sa.Column("made_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_gift_aid_claims_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_aid_claims")),
    )
    with op.batch_alter_table("gift_aid_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gift_aid_claims_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "gift_aid_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=False),
        sa.Column("first_name", sa.String(length=35), nullable=False),
        sa.Column("last_name", sa.String(length=35), nullable=False),
        sa.Column("house", sa.String(length=40), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "this_gift",
                "this_and_future",
                name="declaration_scope",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("made_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "length(trim(first_name)) > 0", name=op.f("ck_gift_aid_declarations_first_name_given")
        ),
        sa.CheckConstraint(
            "length(trim(house)) > 0", name=op.f("ck_gift_aid_declarations_house_given")
        ),
        sa.CheckConstraint(
            "length(trim(last_name)) > 0", name=op.f("ck_gift_aid_declarations_last_name_given")
        ),
        sa.CheckConstraint(
            "length(trim(postcode)) > 0", name=op.f("ck_gift_aid_declarations_postcode_given")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_gift_aid_declarations_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_gift_aid_declarations_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_aid_declarations")),
    )
    with op.batch_alter_table("gift_aid_declarations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gift_aid_declarations_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_gift_aid_declarations_fund_id"), ["fund_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gift_aid_declarations_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "match_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("funder_name", sa.String(length=160), nullable=False),
        sa.Column("ratio_percent", sa.Integer(), nullable=False),
        sa.Column("cap_pence", sa.BigInteger(), nullable=False),
        sa.Column("drawn_pence", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint("cap_pence > 0", name=op.f("ck_match_pledges_cap_positive")),
        sa.CheckConstraint(
            "drawn_pence >= 0 AND drawn_pence <= cap_pence",
            name=op.f("ck_match_pledges_drawn_within_cap"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_match_pledges_ends_after_start")),
        sa.CheckConstraint(
            "length(trim(funder_name)) > 0", name=op.f("ck_match_pledges_funder_named")
        ),
        sa.CheckConstraint(
            "ratio_percent BETWEEN 1 AND 1000", name=op.f("ck_match_pledges_ratio_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_match_pledges_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_match_pledges_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_pledges")),
    )
    with op.batch_alter_table("match_pledges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_pledges_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "regular_gifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("donor_name", sa.String(length=160), nullable=False),
        sa.Column("donor_email", sa.String(length=254), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=160), nullable=True),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "active",
                "cancelled",
                name="regular_gift_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("stripe_checkout_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_regular_gifts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["gift_aid_declarations.id"],
            name=op.f("fk_regular_gifts_declaration_id_gift_aid_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_regular_gifts_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_regular_gifts_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regular_gifts")),
        sa.UniqueConstraint("reference", name=op.f("uq_regular_gifts_reference")),
        sa.UniqueConstraint("stripe_checkout_id", name=op.f("uq_regular_gifts_stripe_checkout_id")),
        sa.UniqueConstraint(
            "stripe_subscription_id", name=op.f("uq_regular_gifts_stripe_subscription_id")
        ),
    )
    with op.batch_alter_table("regular_gifts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_regular_gifts_donor_email"), ["donor_email"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_regular_gifts_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_regular_gifts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "donations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("regular_gift_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("donor_name", sa.String(length=160), nullable=False),
        sa.Column("donor_email", sa.String(length=254), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=160), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "once",
                "monthly",
                name="donation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "method",
            sa.Enum(
                "card",
                "cash",
                "cheque",
                "bank_transfer",
                name="donation_method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("from_company", sa.Boolean(), nullable=False),
        sa.Column("has_benefit", sa.Boolean(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("succeeded_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("failed_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("refunded_pence", sa.BigInteger(), nullable=False),
        sa.Column("disputed_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "cleared",
                "failed",
                "refunded",
                "disputed",
                name="donation_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("income_id", sa.Integer(), nullable=True),
        sa.Column("stripe_checkout_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_invoice_id", sa.String(length=255), nullable=True),
        sa.Column("receipt_sent_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state <> 'cleared' OR succeeded_at IS NOT NULL",
            name=op.f("ck_donations_cleared_has_succeeded"),
        ),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_donations_amount_positive")),
        sa.CheckConstraint("length(trim(donor_name)) > 0", name=op.f("ck_donations_donor_named")),
        sa.CheckConstraint(
            "refunded_pence >= 0 AND refunded_pence <= amount_pence",
            name=op.f("ck_donations_refund_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_donations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["gift_aid_declarations.id"],
            name=op.f("fk_donations_declaration_id_gift_aid_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_donations_fund_id_funds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["income_id"], ["fund_income.id"], name=op.f("fk_donations_income_id_fund_income")
        ),
        sa.ForeignKeyConstraint(
            ["regular_gift_id"],
            ["regular_gifts.id"],
            name=op.f("fk_donations_regular_gift_id_regular_gifts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_donations_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donations")),
        sa.UniqueConstraint("id", "declaration_id", name="uq_donations_id_declaration"),
        sa.UniqueConstraint("income_id", name=op.f("uq_donations_income_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_donations_reference")),
        sa.UniqueConstraint("stripe_checkout_id", name=op.f("uq_donations_stripe_checkout_id")),
        sa.UniqueConstraint("stripe_invoice_id", name=op.f("uq_donations_stripe_invoice_id")),
        sa.UniqueConstraint(
            "stripe_payment_intent_id", name=op.f("uq_donations_stripe_payment_intent_id")
        ),
    )
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_donations_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_donations_donor_email"), ["donor_email"], unique=False)
        batch_op.create_index(batch_op.f("ix_donations_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_donations_regular_gift_id"), ["regular_gift_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_donations_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_donations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "gift_aid_claim_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("donation_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_gift_aid_claim_items_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["gift_aid_claims.id"],
            name=op.f("fk_gift_aid_claim_items_claim_id_gift_aid_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["gift_aid_declarations.id"],
            name=op.f("fk_gift_aid_claim_items_declaration_id_gift_aid_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["donation_id", "declaration_id"],
            ["donations.id", "donations.declaration_id"],
            name="fk_gift_aid_claim_items_donation_declaration",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_aid_claim_items")),
        sa.UniqueConstraint("donation_id", name="uq_gift_aid_claim_items_donation_id"),
    )
    with op.batch_alter_table("gift_aid_claim_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gift_aid_claim_items_claim_id"), ["claim_id"], unique=False
        )

    op.create_table(
        "match_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("donation_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_pence >= 0", name=op.f("ck_match_draws_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["donation_id"],
            ["donations.id"],
            name=op.f("fk_match_draws_donation_id_donations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["match_pledges.id"],
            name=op.f("fk_match_draws_pledge_id_match_pledges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_draws")),
        sa.UniqueConstraint(
            "pledge_id", "donation_id", name=op.f("uq_match_draws_pledge_id_donation_id")
        ),
    )
    with op.batch_alter_table("match_draws", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_draws_donation_id"), ["donation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_match_draws_pledge_id"), ["pledge_id"], unique=False)


def downgrade():
    with op.batch_alter_table("match_draws", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_draws_pledge_id"))
        batch_op.drop_index(batch_op.f("ix_match_draws_donation_id"))

    op.drop_table("match_draws")
    with op.batch_alter_table("gift_aid_claim_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_aid_claim_items_claim_id"))

    op.drop_table("gift_aid_claim_items")
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_donations_user_id"))
        batch_op.drop_index(batch_op.f("ix_donations_state"))
        batch_op.drop_index(batch_op.f("ix_donations_regular_gift_id"))
        batch_op.drop_index(batch_op.f("ix_donations_fund_id"))
        batch_op.drop_index(batch_op.f("ix_donations_donor_email"))
        batch_op.drop_index(batch_op.f("ix_donations_declaration_id"))

    op.drop_table("donations")
    with op.batch_alter_table("regular_gifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regular_gifts_user_id"))
        batch_op.drop_index(batch_op.f("ix_regular_gifts_fund_id"))
        batch_op.drop_index(batch_op.f("ix_regular_gifts_donor_email"))

    op.drop_table("regular_gifts")
    with op.batch_alter_table("match_pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_pledges_fund_id"))

    op.drop_table("match_pledges")
    with op.batch_alter_table("gift_aid_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_aid_declarations_user_id"))
        batch_op.drop_index(batch_op.f("ix_gift_aid_declarations_fund_id"))
        batch_op.drop_index(batch_op.f("ix_gift_aid_declarations_email"))

    op.drop_table("gift_aid_declarations")
    with op.batch_alter_table("gift_aid_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_aid_claims_fund_id"))

    op.drop_table("gift_aid_claims")
    with op.batch_alter_table("stripe_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripe_events_waiting_for"))

    op.drop_table("stripe_events")
