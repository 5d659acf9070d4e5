"""Forms, rendered with GOV.UK Frontend widgets, by area; the field builders all three
packages use are in :mod:`giving.forms.fields`."""

from giving.forms.core import (  # noqa: F401
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ContactForm,
    EmailOnlyForm,
    GroupForm,
    LoginForm,
    MemberForm,
    PlaceForm,
    PostcodeAreaForm,
    PostcodeForm,
    RegisterForm,
    ResendForm,
    ResetPasswordForm,
    RoleForm,
    WardForm,
)
from giving.forms.rounds import (  # noqa: F401
    ApplicationForm,
    AttachmentForm,
    CheckerForm,
    CriterionForm,
    DeadlineForm,
    DecideForm,
    EligibilityForm,
    OverrideForm,
    QuestionForm,
    RoundForm,
    SendForm,
    StaffStartForm,
    StartForm,
    application_form,
    checker_form,
)
