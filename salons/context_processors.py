from .selectors import salon_list_for_user


def salons(request):
    """The salon switcher's list, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_salons": []}
    return {"my_salons": list(salon_list_for_user(user=user).only("name", "slug"))}
