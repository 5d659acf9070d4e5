"""Forms, rendered with GOV.UK Frontend widgets, by area."""

from giving.forms.core import (  # noqa: F401
    TOO_LONG,
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    GroupForm,
    LoginForm,
    MemberForm,
    PenceField,
    PlaceForm,
    PostcodeAreaForm,
    PostcodeForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
    WardForm,
)
