"""Which account a sign-in attempt was for, resolved the way allauth resolves it."""

from typing import Any

from django.contrib.auth import get_user_model


def account_for_login(login: str) -> Any:
    """The user a typed login names: an e-mail address when it contains "@", otherwise
    a username. Usernames cannot contain "@", so the two never collide."""
    if not login:
        return None
    users = get_user_model().objects
    if "@" in login:
        return users.filter(email__iexact=login).first()
    return users.filter(username__iexact=login).first()
