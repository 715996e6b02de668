import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import Salon


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class SalonForm(forms.ModelForm):
    class Meta:
        model = Salon
        fields = ["name", "timezone"]
        widgets = {"timezone": forms.TextInput(attrs={"list": "timezones"})}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A salon needs a name.")
        return name

    @staticmethod
    def timezone_choices() -> list[str]:
        return sorted(zoneinfo.available_timezones())
