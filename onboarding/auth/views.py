"""Sign-in pages: parse the form, call a service, commit, redirect or render."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from onboarding.auth import bp, sessions, sso, throttle
from onboarding.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
)
from onboarding.auth.models import normalise_email
from onboarding.auth.services import (
    AuthError,
    TokenProblem,
    TokenPurpose,
    WrongPassword,
    authenticate,
    change_password,
    request_password_reset,
    safe_next,
    set_password,
    user_for_token,
)
from onboarding.core.deferred import after_response
from onboarding.core.forms import Form, LanguageForm
from onboarding.extensions import db, limiter
from onboarding.notifications.services import deliver
from onboarding.urls import external_url

# Where the provider sends the browser back; kept in the session between the two requests.
_SSO_SESSION_KEY = "sso_pending"


def _failed(response: Response) -> bool:
    """A sign-in that did not succeed (success is a redirect); only these count."""
    return response.status_code != 302


def _from_known_device() -> bool:
    """Sign-ins from a browser where this account signed in before skip the per-client
    limit: someone guessing on the same network (a NAT) does not hold its owners."""
    return throttle.known_device(request, request.form.get("email", "")) is not None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_CLIENT"],
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_known_device,
    scope="login-client",
)
def login() -> str | Response | tuple[str, int]:
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("reports.landing"))
    if request.method == "POST" and not _password_login_enabled():
        return _use_sso_instead(target)
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        client = request.remote_addr or ""
        device = throttle.known_device(request, email)
        # The same answer whether or not the account exists, and before the password is
        # looked at: a held account tells nothing.
        if throttle.is_held(email, client, device):
            abort(429)
        user = authenticate(email, form.password.data or "")
        if user is None:
            throttle.record_failure(email, client, device)
            db.session.commit()
            form.password.errors = [_("Wrong e-mail address or password.")]
            form.password.data = ""
        else:
            throttle.forget_failures(email, client, device)
            sessions.sign_in(user, remember=bool(form.remember.data))
            db.session.commit()
            response = redirect(target or url_for("reports.landing"))
            throttle.remember_device(request, response, user.email)
            return response
    form.next.data = target or ""
    status = 400 if form.errors else 200
    return render_template(
        "auth/login.html",
        form=form,
        sso_enabled=sso.provider() is not None,
        password_login=_password_login_enabled(),
        next_target=target,
    ), status


def _password_login_enabled() -> bool:
    return bool(current_app.config["PASSWORD_LOGIN_ENABLED"])


def _back_to_login(target: str | None, message: str, category: str) -> Response:
    """The login page with ``message``, keeping where the person was going."""
    flash(message, category)
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))


def _use_sso_instead(target: str | None = None) -> Response:
    """Password sign-in is off: send the person to the login page, which says what to use."""
    return _back_to_login(
        target,
        _(
            "Passwords are not used here. Sign in with your %(provider)s account.",
            provider=current_app.config["OIDC_PROVIDER_NAME"],
        ),
        "info",
    )


@bp.get("/login/sso")
def sso_login() -> Response:
    """Send the browser to the identity provider, remembering where to go afterwards."""
    provider = sso.provider()
    if provider is None:
        abort(404)
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("reports.landing"))
    try:
        url, pending = provider.start(external_url("auth.sso_callback"), target or "")
    except sso.SsoError:
        return _sso_failed(target)
    session[_SSO_SESSION_KEY] = pending.as_dict()
    return redirect(url)


def _sso_failed(target: str | None, message: str | None = None) -> Response:
    return _back_to_login(
        target,
        message
        or _(
            "Sign-in with %(provider)s did not work. Try again, or contact the HR "
            "department if it keeps happening.",
            provider=current_app.config["OIDC_PROVIDER_NAME"],
        ),
        "error",
    )


@bp.get("/login/sso/callback")
def sso_callback() -> Response:
    """The provider sends the browser back here with a code (or an error)."""
    provider = sso.provider()
    if provider is None:
        abort(404)
    # One use only: a replayed or second callback finds nothing to continue.
    pending = sso.PendingSignIn.from_dict(session.pop(_SSO_SESSION_KEY, None))
    target = safe_next(pending.next) if pending else None
    error = request.args.get("error")
    if error:
        current_app.logger.info(
            "SSO: the provider answered %s: %s", error, request.args.get("error_description")
        )
        if error == "access_denied":
            return _sso_failed(
                target,
                _(
                    "Sign-in with %(provider)s was cancelled or refused.",
                    provider=current_app.config["OIDC_PROVIDER_NAME"],
                ),
            )
        return _sso_failed(target)
    code = request.args.get("code")
    if pending is None or not code or not sso.same_state(pending.state, request.args.get("state")):
        current_app.logger.info("SSO: callback without a matching sign-in in this session")
        return _sso_failed(
            target,
            _("The sign-in took too long or was started in another window. Try again."),
        )
    redirect_uri = external_url("auth.sso_callback")
    try:
        token = provider.fetch_token(code, redirect_uri, pending.code_verifier)
        claims = provider.validate_id_token(token, pending.nonce)
        user = sso.sign_in_with_sso(
            claims,
            email_claims=current_app.config["OIDC_MATCH_CLAIMS"],
            employee_number_claim=current_app.config["OIDC_EMPLOYEE_NUMBER_CLAIM"],
        )
    except sso.NotRegistered as refused:
        db.session.rollback()
        return _sso_failed(target, str(refused))
    except sso.SsoError:
        db.session.rollback()
        return _sso_failed(target)
    sessions.sign_in(user)
    db.session.commit()
    return redirect(target or url_for("reports.landing"))


@bp.post("/logout")
def logout() -> Response:
    """End this sign-in on the server: the old cookies open nothing afterwards."""
    sessions.sign_out()
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> Response:
    """«Logg ut overalt»: end every sign-in of the person, this one included."""
    sessions.sign_out(everywhere=True)
    db.session.commit()
    flash(_("You are signed out on all devices."), "success")
    return redirect(url_for("auth.login"))


def _reset_address_key() -> str:
    """Limit reset requests by the address asked for, whether or not it exists."""
    return "reset-address:" + normalise_email(request.form.get("email", ""))[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT_PER_CLIENT"],
    methods=["POST"],
    scope="reset-client",
)
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS"],
    key_func=_reset_address_key,
    methods=["POST"],
    # A form sent without an address asks for nothing (the per-client limit still counts).
    exempt_when=lambda: not request.form.get("email", "").strip(),
    scope="reset-address",
)
def forgot_password() -> str | Response | tuple[str, int]:
    if not _password_login_enabled():
        return _use_sso_instead()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        # The same answer, after the same work, whether or not the address exists: the
        # look-up and the e-mail happen once the answer has gone (no account enumeration,
        # by the answer or by its timing).
        after_response(lambda: _send_reset_link(email))
        return render_template("auth/reset_sent.html", email=email)
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


def _send_reset_link(email: str) -> None:
    notification = request_password_reset(email)
    db.session.commit()
    if notification is not None:
        deliver([notification.id])


def _choose_password(token: str, purpose: TokenPurpose) -> str | Response | tuple[str, int]:
    if not _password_login_enabled():
        # An invitation link still brings the new employee to the right place.
        return _use_sso_instead()
    try:
        user = user_for_token(token, purpose)
    except TokenProblem as problem:
        return render_template("auth/link_problem.html", problem=str(problem), purpose=purpose), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data or "")
        except AuthError as error:
            form.password.errors = [str(error)]
        else:
            sessions.sign_in(user)
            db.session.commit()
            if purpose is TokenPurpose.INVITATION:
                flash(_("Welcome! Your password is saved and you are signed in."), "success")
            else:
                flash(_("Your password is changed and you are signed in."), "success")
            return redirect(url_for("reports.landing"))
    template = (
        "auth/accept_invitation.html"
        if purpose is TokenPurpose.INVITATION
        else "auth/reset_password.html"
    )
    return render_template(template, form=form, user=user), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    return _choose_password(token, TokenPurpose.RESET)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    return _choose_password(token, TokenPurpose.INVITATION)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response | tuple[str, int]:
    form = ChangePasswordForm()
    if request.method == "POST" and not _password_login_enabled():
        _use_sso_instead()
        return redirect(url_for("auth.account"))
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data or "", form.password.data or "")
        except WrongPassword as error:
            form.current.errors = [str(error)]
        except AuthError as error:
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Your password is changed. You are signed out on other devices."), "success")
            return redirect(url_for("auth.account"))
    language_form = LanguageForm(language=current_user.language, next=url_for("auth.account"))
    user = current_user._get_current_object()
    signed_in = [
        (record, sessions.is_current(user, record)) for record in sessions.sessions_of(user)
    ]
    return render_template(
        "auth/account.html",
        form=form,
        account_language_form=language_form,
        signed_in=signed_in,
        end_sessions_form=Form(),
    ), 400 if form.errors else 200


@bp.post("/language")
def choose_language() -> Response:
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("learning.home")
    if form.validate_on_submit():
        language = form.language.data or "nb"
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
        else:
            session["language"] = language
    return redirect(target)
