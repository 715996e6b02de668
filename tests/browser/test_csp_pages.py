"""/api/docs/ (Swagger UI) and the admin's periodic-task form run under the site's strict
Content-Security-Policy with no violation: their inline style and script live in static files."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_celery_beat.models import CrontabSchedule

from .conftest import shoot

# Playwright's init scripts are not subject to the page's CSP, so this one can record every
# violation the browser reports (console messages catch them too; both are checked).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page) -> list[str]:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    return console


def _violations(page, console: list[str]) -> list[str]:
    found = page.evaluate("window.__csp")
    return found + [text for text in console if "Content Security Policy" in text]


@pytest.fixture
def staff_page(page, live_server, transactional_db):
    get_user_model().objects.create_superuser("ops", "ops@example.com", "ops-password-1")
    console = _watch(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "ops-password-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page, console


@pytest.mark.browser
def test_api_docs_render_without_csp_violations(staff_page, live_server):
    page, console = staff_page
    response = page.goto(f"{live_server.url}/api/docs/")
    policy = response.headers["content-security-policy"]
    # The directives' order varies between runs: compare the parsed policy.
    directives = {part.strip() for part in policy.split(";")}
    assert "style-src 'self'" in directives and "unsafe-inline" not in policy
    page.wait_for_selector(".opblock", timeout=15000)  # Swagger UI rendered the schema
    page.locator(".opblock-summary").first.click()  # expanding an operation styles more
    page.wait_for_selector(".opblock-body", timeout=5000)
    # Swagger UI's own CSS applied (from the sidecar's static file) and ours (body margin).
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    shoot(page, "c_api_docs")
    assert _violations(page, console) == []


@pytest.mark.browser
def test_periodic_task_form_without_csp_violations(staff_page, live_server):
    page, console = staff_page
    crontab = CrontabSchedule.objects.create(minute="0", hour="4")
    response = page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/add/")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.select_option("#id_crontab", str(crontab.pk))
    help_text = page.locator(".field-crontab .help")
    help_text.filter(has_text="Translation:").wait_for(timeout=5000)
    assert "04:00" in help_text.inner_text()  # the moved script still translates the crontab
    shoot(page, "c_admin_periodic_task")
    assert _violations(page, console) == []
