#!/usr/bin/env bash
# Dependency and code audit (run by .ci/run after `make test`, which has installed .venv).
#
#   pip-audit  the packages installed in .venv, against PyPI's advisory data (PyPI's JSON API).
#              Exceptions: [tool.salonsync.pip-audit] ignore in pyproject.toml, each with a reason.
#   bandit     salonsync integrations webhooks rebooking sandbox selfbook sms, with [tool.bandit] in
#              pyproject.toml (each skipped check carries its reason there).
#
# When the advisory data cannot be read (no network, PyPI unreachable, packages unknown to it)
# the dependency audit did not happen: this says so and fails, unless
# SALONSYNC_AUDIT_OFFLINE_OK=1 (then it warns and goes on). A vulnerability always fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
if [ ! -x "$PY" ] || [ ! -x .venv/bin/pip-audit ] || [ ! -x .venv/bin/bandit ]; then
  echo "audit: .venv lacks pip-audit or bandit; run 'make install' first" >&2
  exit 2
fi

status=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== pip-audit (installed .venv, PyPI advisories) =="
# The justified exceptions, as --ignore-vuln arguments (an entry without a reason is refused).
mapfile -t ignores < <("$PY" - <<'EOF'
import sys
import tomllib

with open("pyproject.toml", "rb") as f:
    entries = tomllib.load(f).get("tool", {}).get("salonsync", {}).get("pip-audit", {})
for entry in entries.get("ignore", []):
    if not (isinstance(entry, dict) and entry.get("id") and str(entry.get("reason", "")).strip()):
        sys.exit(f"audit: pip-audit exception without an id and a reason: {entry!r}")
    print("--ignore-vuln")
    print(entry["id"])
EOF
)

set +e
.venv/bin/pip-audit --skip-editable --progress-spinner off --format json \
  --output "$work/audit.json" "${ignores[@]}" 2>"$work/audit.err"
audit_rc=$?
set -e

# 0: audited, clean. 1: vulnerabilities. 3: could not audit (service unreachable / incomplete).
set +e
"$PY" - "$work/audit.json" "$work/audit.err" "$audit_rc" <<'EOF'
import json
import sys

report_path, err_path, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
errors = open(err_path, encoding="utf-8", errors="replace").read().strip()
# pip-audit says "No known vulnerabilities found" even when it audited nothing: not quoted here.
errors = "\n".join(line for line in errors.splitlines() if "No known vulnerabilities" not in line)
try:
    report = json.load(open(report_path, encoding="utf-8"))
except (OSError, ValueError):
    print("audit: pip-audit produced no report: the advisory service could not be reached.")
    if errors:
        print("\n".join(errors.splitlines()[-5:]))
    sys.exit(3)

deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason") and "editable" not in d["skip_reason"]]
vulnerable = [d for d in deps if d.get("vulns")]
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})")
        print(f"    {(vuln.get('description') or '').strip()[:300]}")
audited = len([d for d in deps if not d.get("skip_reason")])
if vulnerable:
    print(f"audit: {len(vulnerable)} vulnerable package(s). Upgrade them, or add an exception "
          "with its reason to [tool.salonsync.pip-audit] in pyproject.toml.")
    sys.exit(1)
if skipped or rc not in (0, 1):
    print(f"audit: the advisory service answered for {audited} of {audited + len(skipped)} "
          "packages; it could not be reached or does not know the rest, e.g.:")
    for dep in skipped[:5]:
        print(f"    {dep['name']}: {dep['skip_reason']}")
    if errors:
        print("\n".join(errors.splitlines()[-5:]))
    sys.exit(3)
print(f"audit: {audited} installed packages audited, no known vulnerabilities.")
EOF
verdict=$?
set -e
case "$verdict" in
  0) ;;
  3)
    if [ "${SALONSYNC_AUDIT_OFFLINE_OK:-}" = 1 ]; then
      echo "audit: WARNING: dependency audit NOT done (SALONSYNC_AUDIT_OFFLINE_OK=1)."
    else
      echo "audit: dependency audit NOT done; failing (set SALONSYNC_AUDIT_OFFLINE_OK=1 to allow)."
      status=1
    fi
    ;;
  *) status=1 ;;
esac

echo "== bandit (salonsync integrations webhooks rebooking sandbox selfbook sms) =="
if .venv/bin/bandit -q -c pyproject.toml -r salonsync integrations webhooks rebooking sandbox selfbook sms; then
  echo "bandit: no issues."
else
  status=1
fi

exit "$status"
