from django.apps import AppConfig


class SalonsConfig(AppConfig):
    """Tenancy: salons, members and roles, login, the team. (The models still live in
    integrations/models/tenancy.py and invitation.py.)"""

    name = "salons"
    verbose_name = "Salons and team"
