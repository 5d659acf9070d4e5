"""Bank details and payment runs made by two people.

A group's bank account (group_bank_details) and a fund's own account and payment settings
(fund_banking) hold their numbers only as Fernet tokens. A payment run (payment_runs, with its
payments in payment_run_items) is prepared by one person and approved by another: a CHECK
refuses a run approved by the person who prepared it unless the fund allowed one person. An
instalment goes in at most one run.

Revision ID: e5f7b9d1a117
Revises: d4e6a8c0f116
Create Date: 2026-12-02 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import giving.timeutil


# revision identifiers, used by Alembic.
revision = "e5f7b9d1a117"
down_revision = "d4e6a8c0f116"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fund_banking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("account_name", sa.String(length=18), nullable=False),
        sa.Column("sort_code_secret", sa.Text(), nullable=False),
        sa.Column("account_number_secret", sa.Text(), nullable=False),
        sa.Column("allow_one_person", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "length(trim(account_name)) > 0", name=op.f("ck_fund_banking_account_named")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_fund_banking_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_fund_banking_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_banking")),
        sa.UniqueConstraint("fund_id", name=op.f("uq_fund_banking_fund_id")),
    )
    op.create_table(
        "group_bank_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("account_name", sa.String(length=60), nullable=False),
        sa.Column("sort_code_secret", sa.Text(), nullable=False),
        sa.Column("account_number_secret", sa.Text(), nullable=False),
        sa.Column("iban_secret", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "waiting",
                "confirmed",
                name="bank_details_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state <> 'confirmed' OR confirmed_at IS NOT NULL",
            name=op.f("ck_group_bank_details_confirmed_has_confirmed_at"),
        ),
        sa.CheckConstraint(
            "length(trim(account_name)) > 0", name=op.f("ck_group_bank_details_account_named")
        ),
        sa.CheckConstraint(
            "length(trim(account_number_secret)) > 0",
            name=op.f("ck_group_bank_details_account_number_kept"),
        ),
        sa.CheckConstraint(
            "length(trim(sort_code_secret)) > 0", name=op.f("ck_group_bank_details_sort_code_kept")
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_group_bank_details_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_group_bank_details_confirmed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_bank_details_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_bank_details")),
        sa.UniqueConstraint("group_id", name=op.f("uq_group_bank_details_group_id")),
    )
    op.create_table(
        "payment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("payment_count", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "prepared",
                "approved",
                name="payment_run_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("one_person_allowed", sa.Boolean(), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=True),
        sa.Column("prepared_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("bacs_secret", sa.Text(), nullable=True),
        sa.Column("csv_secret", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "state <> 'approved' OR (approved_at IS NOT NULL AND file_sha256 IS NOT NULL)",
            name=op.f("ck_payment_runs_approved_has_file"),
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR prepared_by_id IS NULL"
            " OR approved_by_id <> prepared_by_id OR one_person_allowed",
            name=op.f("ck_payment_runs_two_people"),
        ),
        sa.CheckConstraint("payment_count >= 1", name=op.f("ck_payment_runs_has_payments")),
        sa.CheckConstraint("total_pence > 0", name=op.f("ck_payment_runs_total_positive")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_payment_runs_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_payment_runs_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"],
            ["users.id"],
            name=op.f("fk_payment_runs_prepared_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_runs")),
    )
    op.create_index(op.f("ix_payment_runs_fund_id"), "payment_runs", ["fund_id"], unique=False)
    op.create_table(
        "payment_run_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=18), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_payment_run_items_amount_positive")),
        sa.ForeignKeyConstraint(
            ["instalment_id"],
            ["grant_instalments.id"],
            name=op.f("fk_payment_run_items_instalment_id_grant_instalments"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["payment_runs.id"],
            name=op.f("fk_payment_run_items_run_id_payment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_run_items")),
        sa.UniqueConstraint("instalment_id", name=op.f("uq_payment_run_items_instalment_id")),
        sa.UniqueConstraint(
            "run_id", "reference", name=op.f("uq_payment_run_items_run_id_reference")
        ),
    )
    op.create_index(
        op.f("ix_payment_run_items_run_id"), "payment_run_items", ["run_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_payment_run_items_run_id"), table_name="payment_run_items")
    op.drop_table("payment_run_items")
    op.drop_index(op.f("ix_payment_runs_fund_id"), table_name="payment_runs")
    op.drop_table("payment_runs")
    op.drop_table("group_bank_details")
    op.drop_table("fund_banking")
