"""Forms for checking a certificate and for HR's changes. The rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from onboarding.certificates.services import MAX_REASON
from onboarding.core.forms import Form


class VerifyForm(Form):
    """The public look-up. It reads and changes nothing, and is sent with GET so that the
    result has an address; so it has no CSRF token (rate limiting guards it instead)."""

    class Meta:
        csrf = False
        # Whatever is not a code is «unknown code», invisible characters pasted along too.
        plain_text = False

    code = StringField(
        _l("Verification code"),
        description=_l("The code is printed on the certificate, for example ABCD-EFGH-JKLM."),
        # No length or character check here: anything that is not a code is «unknown code»,
        # the same answer as for a well-formed code that does not exist.
        validators=[InputRequired(_l("Enter the verification code."))],
        render_kw={
            "autocomplete": "off",
            "spellcheck": "false",
            "autocapitalize": "characters",
            "maxlength": 64,
        },
    )


class RevokeForm(Form):
    reason = TextAreaField(
        _l("Reason for revoking"),
        description=_l("Kept in the register; not shown to those who check the certificate."),
        validators=[
            InputRequired(_l("Give the reason for revoking the certificate.")),
            Length(
                max=MAX_REASON,
                message=_l("The reason can be at most %(max)d characters."),
            ),
        ],
    )


class ReissueForm(Form):
    """Only the CSRF token: issuing anew takes no input."""
