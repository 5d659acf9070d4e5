"""Rounds with their rules, questions and criteria; applications, answers and attachments

Revision ID: 7e9484e9d60c
Revises: 31414ca954b9
Create Date: 2026-11-21 23:24:49.171270

"""

from alembic import op
import sqlalchemy as sa

import giving.timeutil


# revision identifiers, used by Alembic.
revision = "7e9484e9d60c"
down_revision = "31414ca954b9"
branch_labels = None
depends_on = None

FROZEN_TABLES = ("round_questions", "round_criteria", "eligibility_rules")


def upgrade():
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("budget_pence", sa.BigInteger(), nullable=False),
        sa.Column("min_grant_pence", sa.BigInteger(), nullable=False),
        sa.Column("max_grant_pence", sa.BigInteger(), nullable=False),
        sa.Column("opens_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("closes_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column(
            "decision_method",
            sa.Enum(
                "panel",
                "public",
                "both",
                name="decision_method",
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
                name="round_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("opened_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("closed_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status <> 'closed' OR closed_at IS NOT NULL",
            name=op.f("ck_rounds_closed_has_closed_at"),
        ),
        sa.CheckConstraint(
            "status = 'draft' OR (decision_date IS NOT NULL AND opened_at IS NOT NULL)",
            name=op.f("ck_rounds_open_needs_decision_date"),
        ),
        sa.CheckConstraint("budget_pence > 0", name=op.f("ck_rounds_budget_positive")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_rounds_closes_after_opening")),
        sa.CheckConstraint(
            "max_grant_pence <= budget_pence", name=op.f("ck_rounds_max_within_budget")
        ),
        sa.CheckConstraint(
            "max_grant_pence >= min_grant_pence", name=op.f("ck_rounds_max_not_below_min")
        ),
        sa.CheckConstraint("min_grant_pence > 0", name=op.f("ck_rounds_min_grant_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_rounds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_rounds_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rounds_place_id"), ["place_id"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "ineligible",
                "in_review",
                "shortlisted",
                "awarded",
                "declined",
                "withdrawn",
                name="application_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("amount_requested_pence", sa.BigInteger(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "online",
                "phone",
                "paper",
                "in_person",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_by_staff", sa.Boolean(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("award_pence", sa.BigInteger(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("updated_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.Column("decided_at", giving.timeutil.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state <> 'awarded' OR (award_pence IS NOT NULL AND award_pence > 0)",
            name=op.f("ck_applications_awarded_has_amount"),
        ),
        sa.CheckConstraint(
            "state = 'awarded' OR award_pence IS NULL",
            name=op.f("ck_applications_amount_only_when_awarded"),
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
            name=op.f("ck_applications_sent_has_submitted_at"),
        ),
        sa.CheckConstraint(
            "state NOT IN ('declined', 'ineligible') OR length(trim(feedback)) > 0",
            name=op.f("ck_applications_reasons_given"),
        ),
        sa.CheckConstraint(
            "amount_requested_pence IS NULL OR amount_requested_pence > 0",
            name=op.f("ck_applications_amount_requested_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_applications_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_applications_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_applications_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_state"), ["state"], unique=False)
        batch_op.create_index(
            "uq_applications_live_round_group",
            ["round_id", "group_id"],
            unique=True,
            sqlite_where=sa.text("state <> 'withdrawn'"),
            postgresql_where=sa.text("state <> 'withdrawn'"),
        )

    op.create_table(
        "eligibility_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "group_kind",
                "ward",
                "income_ceiling",
                "no_recent_award",
                name="rule_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "group_kind",
            sa.Enum(
                "unincorporated",
                "charity",
                "cio",
                "cic",
                "company",
                "other",
                name="group_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("amount_pence", sa.BigInteger(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'group_kind' AND group_kind IS NOT NULL AND ward_id IS NULL"
            " AND amount_pence IS NULL AND months IS NULL)"
            " OR (kind = 'ward' AND ward_id IS NOT NULL AND group_kind IS NULL"
            " AND amount_pence IS NULL AND months IS NULL)"
            " OR (kind = 'income_ceiling' AND amount_pence > 0 AND group_kind IS NULL"
            " AND ward_id IS NULL AND months IS NULL)"
            " OR (kind = 'no_recent_award' AND months > 0 AND group_kind IS NULL"
            " AND ward_id IS NULL AND amount_pence IS NULL)",
            name=op.f("ck_eligibility_rules_rule_has_its_value"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_eligibility_rules_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["wards.id"],
            name=op.f("fk_eligibility_rules_ward_id_wards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_rules")),
    )
    with op.batch_alter_table("eligibility_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_eligibility_rules_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "round_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "weight >= 1 AND weight <= 100", name=op.f("ck_round_criteria_weight_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_round_criteria_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_criteria")),
    )
    with op.batch_alter_table("round_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_criteria_round_id"), ["round_id"], unique=False)

    op.create_table(
        "round_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("why_asked", sa.Text(), nullable=False),
        sa.Column("word_limit", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "word_limit > 0 AND word_limit <= 2000",
            name=op.f("ck_round_questions_word_limit_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_round_questions_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_questions")),
    )
    with op.batch_alter_table("round_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_questions_round_id"), ["round_id"], unique=False)

    op.create_table(
        "application_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_answers_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["round_questions.id"],
            name=op.f("fk_application_answers_question_id_round_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_answers")),
        sa.UniqueConstraint(
            "application_id",
            "question_id",
            name=op.f("uq_application_answers_application_id_question_id"),
        ),
    )
    with op.batch_alter_table("application_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_answers_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "application_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", giving.timeutil.UTCDateTime(), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_application_attachments_size_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_attachments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_application_attachments_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_application_attachments_stored_name")),
    )
    with op.batch_alter_table("application_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_attachments_application_id"),
            ["application_id"],
            unique=False,
        )

    # A round's questions, criteria and eligibility rules freeze when it opens: the services
    # refuse such changes, and the database does too, whatever code touches these tables.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION round_rules_frozen() RETURNS trigger AS $$
            DECLARE
                rid integer;
            BEGIN
                IF TG_OP = 'DELETE' THEN rid := OLD.round_id; ELSE rid := NEW.round_id; END IF;
                IF EXISTS (SELECT 1 FROM rounds WHERE id = rid AND status <> 'draft') THEN
                    RAISE EXCEPTION '%', 'The questions and rules of an open round cannot change';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        for table in FROZEN_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION round_rules_frozen()"
            )
    else:
        for table in FROZEN_TABLES:
            for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER {table}_frozen_{event.lower()} BEFORE {event} ON {table} "  # noqa: S608
                    f"WHEN (SELECT status FROM rounds WHERE id = {row}.round_id) <> 'draft' "
                    "BEGIN SELECT RAISE(ABORT, "
                    "'The questions and rules of an open round cannot change'); END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in FROZEN_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
        op.execute("DROP FUNCTION IF EXISTS round_rules_frozen()")
    else:
        for table in FROZEN_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{event}")
    with op.batch_alter_table("application_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_attachments_application_id"))

    op.drop_table("application_attachments")
    with op.batch_alter_table("application_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_answers_application_id"))

    op.drop_table("application_answers")
    with op.batch_alter_table("round_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_questions_round_id"))

    op.drop_table("round_questions")
    with op.batch_alter_table("round_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_criteria_round_id"))

    op.drop_table("round_criteria")
    with op.batch_alter_table("eligibility_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eligibility_rules_round_id"))

    op.drop_table("eligibility_rules")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_applications_live_round_group",
            sqlite_where=sa.text("state <> 'withdrawn'"),
            postgresql_where=sa.text("state <> 'withdrawn'"),
        )
        batch_op.drop_index(batch_op.f("ix_applications_state"))
        batch_op.drop_index(batch_op.f("ix_applications_round_id"))
        batch_op.drop_index(batch_op.f("ix_applications_group_id"))

    op.drop_table("applications")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_place_id"))

    op.drop_table("rounds")
