"""Funds, the double-entry ledger, money in, grants with schedules, payments, variations and
check-ins

Revision ID: a5f8c65f47b7
Revises: 7e9484e9d60c
Create Date: 2026-11-21 23:34:51.834435

"""

from alembic import op
import sqlalchemy as sa

import giving.timeutil


# revision identifiers, used by Alembic.
revision = "a5f8c65f47b7"
down_revision = "7e9484e9d60c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("holder_name", sa.String(length=160), nullable=False),
        sa.Column("holder_charity_number", sa.String(length=20), nullable=True),
        sa.Column("holder_company_number", sa.String(length=20), nullable=True),
        sa.Column("holder_can_claim_gift_aid", sa.Boolean(), nullable=False),
        sa.Column("checkin_threshold_pence", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "checkin_threshold_pence >= 0", name=op.f("ck_funds_threshold_not_negative")
        ),
        sa.CheckConstraint("length(trim(holder_name)) > 0", name=op.f("ck_funds_holder_named")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_funds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name=op.f("fk_funds_place_id_places")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
        sa.UniqueConstraint("place_id", "name", name=op.f("uq_funds_place_id_name")),
    )
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_place_id"), ["place_id"], unique=False)

    op.create_table(
        "fund_checkin_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "length(trim(text)) > 0", name=op.f("ck_fund_checkin_questions_text_given")
        ),
        sa.CheckConstraint(
            "position BETWEEN 1 AND 5", name=op.f("ck_fund_checkin_questions_at_most_five")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_fund_checkin_questions_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_checkin_questions")),
        sa.UniqueConstraint(
            "fund_id", "position", name=op.f("uq_fund_checkin_questions_fund_id_position")
        ),
    )
    with op.batch_alter_table("fund_checkin_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_checkin_questions_fund_id"), ["fund_id"], unique=False
        )

    op.create_table(
        "fund_income",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "council",
                "donation",
                "match",
                "other",
                name="income_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("from_name", sa.String(length=160), nullable=False),
        sa.Column("purpose", sa.String(length=160), nullable=True),
        sa.Column("gift_aid", sa.Boolean(), nullable=False),
        sa.Column("pledged", sa.Boolean(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("refunded_pence", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "NOT gift_aid OR source = 'donation'", name=op.f("ck_fund_income_gift_aid_on_donations")
        ),
        sa.CheckConstraint(
            "NOT pledged OR expected_on IS NOT NULL", name=op.f("ck_fund_income_pledge_has_date")
        ),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_fund_income_amount_positive")),
        sa.CheckConstraint(
            "received_on IS NOT NULL OR pledged", name=op.f("ck_fund_income_received_or_pledged")
        ),
        sa.CheckConstraint(
            "refunded_pence = 0 OR received_on IS NOT NULL",
            name=op.f("ck_fund_income_refund_if_received"),
        ),
        sa.CheckConstraint(
            "refunded_pence >= 0 AND refunded_pence <= amount_pence",
            name=op.f("ck_fund_income_refund_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_fund_income_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_income_fund_id_funds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_income")),
    )
    with op.batch_alter_table("fund_income", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_income_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "fund_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_rounds_fund_id_funds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_fund_rounds_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_rounds")),
        sa.UniqueConstraint("round_id", name=op.f("uq_fund_rounds_round_id")),
    )
    with op.batch_alter_table("fund_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_rounds_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "bank",
                "pledges",
                "income",
                "payable",
                "grants",
                name="account_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_ledger_accounts_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("fund_id", "code", name=op.f("uq_ledger_accounts_fund_id_code")),
    )
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_accounts_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("total_pence", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "annual",
                "quarterly",
                "monthly",
                name="instalment_frequency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("agreement_text", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "offered",
                "active",
                "closed",
                "withdrawn",
                name="grant_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("accepted_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("ended_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("updated_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state NOT IN ('active', 'closed') OR accepted_at IS NOT NULL",
            name=op.f("ck_grants_agreed_has_accepted_at"),
        ),
        sa.CheckConstraint(
            "state NOT IN ('closed', 'withdrawn')"
            " OR (ended_at IS NOT NULL AND length(trim(closing_note)) > 0)",
            name=op.f("ck_grants_ended_has_note"),
        ),
        sa.CheckConstraint(
            "NOT restricted OR length(trim(purpose)) > 0",
            name=op.f("ck_grants_restricted_has_purpose"),
        ),
        sa.CheckConstraint("total_pence > 0", name=op.f("ck_grants_total_positive")),
        sa.CheckConstraint("years BETWEEN 1 AND 25", name=op.f("ck_grants_years_in_range")),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["users.id"],
            name=op.f("fk_grants_accepted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_grants_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_grants_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_grants_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_grants_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
        sa.UniqueConstraint("application_id", name=op.f("uq_grants_application_id")),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_state"), ["state"], unique=False)

    op.create_table(
        "grant_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "conversation",
                "update",
                name="checkin_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "due",
                "done",
                name="checkin_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reminded_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("done_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind <> 'conversation' OR state <> 'done' OR length(trim(note)) > 0",
            name=op.f("ck_grant_checkins_conversation_noted"),
        ),
        sa.CheckConstraint(
            "state <> 'done' OR done_at IS NOT NULL",
            name=op.f("ck_grant_checkins_done_has_done_at"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["users.id"],
            name=op.f("fk_grant_checkins_done_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_checkins_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_checkins")),
        sa.UniqueConstraint("grant_id", "number", name=op.f("uq_grant_checkins_grant_id_number")),
    )
    with op.batch_alter_table("grant_checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_checkins_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_grant_checkins_grant_id"), ["grant_id"], unique=False)

    op.create_table(
        "grant_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled",
                "approved",
                "paid",
                "held",
                "cancelled",
                name="instalment_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("held_reason", sa.Text(), nullable=False),
        sa.Column("updated_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state <> 'held' OR length(trim(held_reason)) > 0",
            name=op.f("ck_grant_instalments_held_has_reason"),
        ),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_grant_instalments_amount_positive")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_grant_instalments_number_positive")),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_instalments_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_instalments")),
        sa.UniqueConstraint(
            "grant_id", "number", name=op.f("uq_grant_instalments_grant_id_number")
        ),
        sa.UniqueConstraint("id", "amount_pence", name="uq_grant_instalments_id_amount"),
    )
    with op.batch_alter_table("grant_instalments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_instalments_due_date"), ["due_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_grant_instalments_financial_year"), ["financial_year"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_grant_instalments_grant_id"), ["grant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_grant_instalments_state"), ["state"], unique=False)

    op.create_table(
        "grant_variations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_total_pence", sa.BigInteger(), nullable=False),
        sa.Column("new_total_pence", sa.BigInteger(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_grant_variations_reason_given")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_grant_variations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_variations_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_variations")),
    )
    with op.batch_alter_table("grant_variations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_variations_grant_id"), ["grant_id"], unique=False
        )

    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=255), nullable=False),
        sa.Column("income_id", sa.Integer(), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ledger_transactions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_ledger_transactions_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_ledger_transactions_grant_id_grants")
        ),
        sa.ForeignKeyConstraint(
            ["income_id"],
            ["fund_income.id"],
            name=op.f("fk_ledger_transactions_income_id_fund_income"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_fund_id"), ["fund_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_grant_id"), ["grant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_income_id"), ["income_id"], unique=False
        )

    op.create_table(
        "grant_checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "position BETWEEN 1 AND 5", name=op.f("ck_grant_checkin_answers_at_most_five")
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["grant_checkins.id"],
            name=op.f("fk_grant_checkin_answers_checkin_id_grant_checkins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_checkin_answers")),
        sa.UniqueConstraint(
            "checkin_id", "position", name=op.f("uq_grant_checkin_answers_checkin_id_position")
        ),
    )
    with op.batch_alter_table("grant_checkin_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_checkin_answers_checkin_id"), ["checkin_id"], unique=False
        )

    op.create_table(
        "grant_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_grant_payments_amount_positive")),
        sa.CheckConstraint(
            "length(trim(reference)) > 0", name=op.f("ck_grant_payments_reference_given")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_grant_payments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instalment_id", "amount_pence"],
            ["grant_instalments.id", "grant_instalments.amount_pence"],
            name="fk_grant_payments_instalment_amount",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_grant_payments_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_payments")),
        sa.UniqueConstraint("instalment_id", name="uq_grant_payments_instalment_id"),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_grant_payments_transaction_id")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_pence <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_entries_transaction_id_ledger_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_transaction_id"), ["transaction_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_account_id"))

    op.drop_table("ledger_entries")
    op.drop_table("grant_payments")
    with op.batch_alter_table("grant_checkin_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_checkin_answers_checkin_id"))

    op.drop_table("grant_checkin_answers")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_income_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_grant_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_fund_id"))

    op.drop_table("ledger_transactions")
    with op.batch_alter_table("grant_variations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_variations_grant_id"))

    op.drop_table("grant_variations")
    with op.batch_alter_table("grant_instalments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_instalments_state"))
        batch_op.drop_index(batch_op.f("ix_grant_instalments_grant_id"))
        batch_op.drop_index(batch_op.f("ix_grant_instalments_financial_year"))
        batch_op.drop_index(batch_op.f("ix_grant_instalments_due_date"))

    op.drop_table("grant_instalments")
    with op.batch_alter_table("grant_checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_checkins_grant_id"))
        batch_op.drop_index(batch_op.f("ix_grant_checkins_due_on"))

    op.drop_table("grant_checkins")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_state"))
        batch_op.drop_index(batch_op.f("ix_grants_group_id"))
        batch_op.drop_index(batch_op.f("ix_grants_fund_id"))

    op.drop_table("grants")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_accounts_fund_id"))

    op.drop_table("ledger_accounts")
    with op.batch_alter_table("fund_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_rounds_fund_id"))

    op.drop_table("fund_rounds")
    with op.batch_alter_table("fund_income", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_income_fund_id"))

    op.drop_table("fund_income")
    with op.batch_alter_table("fund_checkin_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_checkin_questions_fund_id"))

    op.drop_table("fund_checkin_questions")
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_place_id"))

    op.drop_table("funds")
