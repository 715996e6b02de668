"""Forms of the team page and of the invitation a new member accepts."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from .roles import Role
from .team import INVITABLE_ROLES


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"invalid": "Enter a valid email address, e.g. sam@example.com."},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "sam@example.com"}),
    )
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in INVITABLE_ROLES],
        initial=Role.VIEWER,
        help_text="Managers run syncs, handle suggestions and change settings; viewers only look.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class JoinForm(UserCreationForm):
    """A new account for the invited email: a username (the email by default) and a password."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
        help_texts = {"username": "You log in with it. Letters, digits and @ . + - _ only."}

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["username"].initial = email
        self.fields["username"].widget.attrs.update(autocomplete="username")

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.email = self.email
        if commit:
            user.save()
        return user
