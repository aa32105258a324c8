"""The signed-in user's own profile: name, language, links to password and 2FA."""

from typing import cast

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kuulo.core.http import set_language_cookie
from kuulo.organisations.access import requires

from .forms import ProfileForm
from .models import User


@requires(None)
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Profile saved."))
        response = redirect("accounts:profile")
        set_language_cookie(response, user.language)
        return response
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return render(request, "accounts/profile.html", {"form": form, "has_totp": has_totp})
