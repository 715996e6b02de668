"""Who is due: one set-based query over the mirror (window functions and aggregation, portable
between PostgreSQL and SQLite), never a Python loop over clients.

For every (client, service category) of the given integrations it computes the completed visits,
the last visit (and its service and provider), the median gap between visits (the middle row,
or the mean of the two middle rows, of the ordered gaps) and the usual gap (rhythm_gap.py: the
recent gaps weigh more, a skipped cycle counts as two). A client is due when the days since their
last visit reach their own usual gap (once they have ``min_visits``; the category's interval
before that: category_intervals.py) times the grace factor. Clients with a future booking,
inside the contact cooldown, inactive, or (unless allowed) whose last visit was a no-show are left
out. One row per client: their most overdue category (for the overdue scan, among those still
within reach when there are any: ``prefer_within``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection

from integrations.adapters.types import ACTIVE_STATUSES

from .rhythm_gap import OWN_FIRST_GAP, SKIP_FROM, WEIGHTS

# The statuses of a booking that still holds its time, as plain SQL parameters in a fixed order.
ACTIVE = tuple(sorted(status.value for status in ACTIVE_STATUSES))


@dataclass(frozen=True)
class DueClient:
    integration_id: str
    customer_ref: str
    category: str
    visits: int
    last_visit: datetime
    last_service_ref: str
    last_provider_ref: str
    median_gap: float | None  # days, None with a single visit
    interval: float  # the gap used: median or fallback, days
    days_since: float
    overdue_ratio: float  # days_since / (interval × grace)


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def _ts(value: datetime):
    """A timestamp parameter each backend compares correctly with its stored datetimes."""
    value = value.astimezone(UTC)
    if connection.vendor == "postgresql":
        return value
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _param_ts() -> str:
    return "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"


def _ids(integration_ids: list[str]) -> list[str]:
    return [
        str(i).replace("-", "") if connection.vendor == "sqlite" else str(i)
        for i in integration_ids
    ]


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def summary_ctes(
    *,
    integration_ids: list[str],
    now: datetime | None,
    category: str | None = None,
    customer_refs: list[str] | None = None,
) -> tuple[str, list]:
    """The ``visits`` and ``summary`` CTEs: per (integration, client, category) the completed
    visits before ``now``, the last one (its service and provider), the median gap and the
    usual gap (``rhythm_gap``) in days.

    One sort: each visit with its gap to the previous one, its number and whether it is the last
    (LAG/ROW_NUMBER/LEAD over the same window); one GROUP BY gives count, last visit and median
    gap, and a second over the last gaps, joined to the median, the usual gap. PostgreSQL takes
    the median with percentile_disc in that GROUP BY; SQLite, which has no ordered-set
    aggregates, ranks the gaps first (the first visit's NULL gap apart). A category filter may
    sit inside the window's input because the window is partitioned by category. ``now`` None
    counts every completed visit (the stored rhythms: whatever the mirror knows is done).
    """
    ids = _ids(integration_ids)
    ts = _param_ts()
    gap_expr = _days("a.start", "LAG(a.start) OVER w")
    if connection.vendor == "postgresql":
        ranked_gaps = ""
        # the mean of the two middle gaps (one for an odd count), exact in numeric
        median = """(percentile_disc(0.5) WITHIN GROUP (ORDER BY g.gap)
                   + percentile_disc(0.5000001) WITHIN GROUP (ORDER BY g.gap)) / 2"""
        source = "visits"
    else:
        ranked_gaps = """ranked_gaps AS (
        SELECT v.*,
               ROW_NUMBER() OVER (PARTITION BY v.iid, v.cref, v.cat, v.gap IS NULL
                                  ORDER BY v.gap) AS rn,
               COUNT(v.gap) OVER (PARTITION BY v.iid, v.cref, v.cat) AS n
        FROM visits v
    ),"""
        median = """AVG(CASE WHEN g.gap IS NOT NULL AND g.rn IN ((g.n + 1) / 2, (g.n + 2) / 2)
                        THEN g.gap END)"""
        source = "ranked_gaps"
    refs = list(customer_refs or [])
    # Fixed constants (rhythm_gap.py), not values from outside: written into the SQL as numbers.
    weight = " ".join(f"WHEN {back} THEN {w!r}" for back, w in enumerate(WEIGHTS))
    sql = f"""
    WITH visits AS (
        SELECT a.integration_id AS iid, a.customer_ref AS cref, COALESCE(sv.category, '') AS cat,
               a.start AS start, a.service_ref AS sref, a.provider_ref AS pref,
               {gap_expr} AS gap, ROW_NUMBER() OVER w AS seq,
               CASE WHEN LEAD(a.start) OVER w IS NULL THEN 1 ELSE 0 END AS is_last
        FROM integrations_mirroredappointment a
        LEFT JOIN integrations_mirroredservice sv
               ON sv.integration_id = a.integration_id AND sv.platform_id = a.service_ref
        WHERE a.integration_id IN ({_marks(ids)}) AND a.status = 'completed' AND a.deleted = %s
          AND a.customer_ref <> '' {f"AND a.start < {ts}" if now is not None else ""}
          {"AND COALESCE(sv.category, '') = %s" if category is not None else ""}
          {f"AND a.customer_ref IN ({_marks(refs)})" if refs else ""}
        WINDOW w AS (PARTITION BY a.integration_id, a.customer_ref, COALESCE(sv.category, '')
                     ORDER BY a.start)
    ),
    {ranked_gaps}
    counted AS (
        SELECT g.iid, g.cref, g.cat, COUNT(*) AS visits, MAX(g.start) AS last_visit,
               MAX(CASE WHEN g.is_last = 1 THEN g.sref END) AS last_sref,
               MAX(CASE WHEN g.is_last = 1 THEN g.pref END) AS last_pref,
               {median} AS median_gap
        FROM {source} g GROUP BY g.iid, g.cref, g.cat
    ),
    recent AS (
        -- the usual gap (rhythm_gap.py): the last gaps weighted, a skipped cycle counted as two
        SELECT v.iid, v.cref, v.cat,
               SUM(CASE c.visits - v.seq {weight} END * v.gap)
               / SUM(CASE c.visits - v.seq {weight} END
                     * CASE WHEN c.median_gap > 0 AND v.gap >= {SKIP_FROM!r} * c.median_gap
                            THEN ROUND(v.gap / c.median_gap) ELSE 1 END) AS rhythm_gap
        FROM visits v
        JOIN counted c ON c.iid = v.iid AND c.cref = v.cref AND c.cat = v.cat
        WHERE v.gap IS NOT NULL AND c.visits - v.seq < {len(WEIGHTS)}
        GROUP BY v.iid, v.cref, v.cat
    ),
    summary AS (
        SELECT c.*, r.rhythm_gap FROM counted c
        LEFT JOIN recent r ON r.iid = c.iid AND r.cref = c.cref AND r.cat = c.cat
    )"""
    params: list = [*ids, False]
    if now is not None:
        params.append(_ts(now))
    if category is not None:
        params.append(category)
    params += refs
    return sql, params


def _stored_summary(
    *, integration_ids: list[str], category: str | None, provider_ref: str | None
) -> tuple[str, list]:
    """The same ``summary`` read from the stored rhythms (rebooking.rhythms keeps them)."""
    ids = _ids(integration_ids)
    sql = f"""
    WITH summary AS (
        SELECT r.integration_id AS iid, r.customer_ref AS cref, r.category AS cat, r.visits,
               r.last_visit, r.last_service_ref AS last_sref,
               r.last_provider_ref AS last_pref, r.median_gap, r.rhythm_gap
        FROM rebooking_clientrhythm r
        WHERE r.integration_id IN ({_marks(ids)})
          {"AND r.category = %s" if category is not None else ""}
          {"AND r.last_provider_ref = %s" if provider_ref else ""}
    )"""
    params: list = [*ids]
    if category is not None:
        params.append(category)
    if provider_ref:
        params.append(provider_ref)
    return sql, params


def due_clients(
    *,
    integration_ids: list[str],
    now: datetime,
    due_by: datetime,
    min_visits: int,
    grace: float,
    fallback: dict[str, int],
    default_fallback: int,
    cooldown_days: int,
    include_no_show: bool,
    category: str | None = None,
    provider_ref: str | None = None,
    exclude_customer: str = "",
    limit: int | None = None,
    just_due_first: bool = False,
    nearest_ratio: float | None = None,
    max_intervals: float | None = None,
    prefer_within: float | None = None,
    booked_other_within: float | None = None,
    stored: bool = False,
) -> list[DueClient]:
    """Clients due by ``due_by`` (``now`` for overdue; a freed slot's time for a refill), most
    overdue first, or, with ``just_due_first``, those whose rhythm brings them due right now (a
    client long lapsed is the least likely to take a slot at short notice), or, with
    ``nearest_ratio``, those whose ratio is nearest it (a refill's pool: the clients whose due
    date is nearest the slot). ``max_intervals`` leaves out the clients more than that many of
    their intervals past their last visit by ``due_by`` (before the suppression subqueries).
    ``prefer_within`` picks a client's row among the categories at most that many of their
    intervals past their last visit, when they have one (else the most overdue): a category
    lapsed a year ago no longer hides the one the client is slipping in now.
    ``booked_other_within``: a client's future booking holds back only its own category and
    those they are more than that many intervals past (a client booked for a cut who is slipping
    in colour is still due for colour; one who gave up colour a year ago is not nagged).

    ``stored`` reads the rhythms from the ClientRhythm table (an index lookup by category and
    provider) instead of computing them from the whole history: the refill of one freed slot
    must answer in milliseconds; the daily scan computes them live.
    """
    if not integration_ids:
        return []
    if stored:
        prefix, params = _stored_summary(
            integration_ids=integration_ids, category=category, provider_ref=provider_ref
        )
    else:
        prefix, params = summary_ctes(integration_ids=integration_ids, now=now, category=category)
    ts = _param_ts()
    fallback_case = (
        "CASE s.cat " + " ".join(["WHEN %s THEN %s"] * len(fallback)) + " ELSE %s END"
        if fallback
        else "%s"
    )
    fallback_params: list = [v for pair in fallback.items() for v in pair] + [default_fallback]
    # rhythm_gap is NULL only in a stored row written before it existed: the median then.
    # A single gap (2 visits, short of min_visits) is blended with the category's interval, a
    # skipped cycle counted as such (rhythm_gap.first_gap_blend; fixed constants, as numbers).
    own, skip = OWN_FIRST_GAP, SKIP_FROM
    interval = f"""CASE WHEN s.visits >= %s AND s.median_gap IS NOT NULL
                         THEN COALESCE(s.rhythm_gap, s.median_gap)
                    WHEN s.visits = 2 AND s.median_gap IS NOT NULL
                         THEN {own!r} * s.median_gap
                              / (CASE WHEN s.median_gap >= {skip!r} * ({fallback_case})
                                      THEN ROUND(s.median_gap / ({fallback_case})) ELSE 1 END)
                              + {1 - own!r} * ({fallback_case})
                    ELSE {fallback_case} END"""
    since_expr = _days(ts, "s.last_visit")
    no_show_filter = (
        ""
        if include_no_show
        else f"""AND COALESCE((SELECT l.status FROM integrations_mirroredappointment l
                  WHERE l.integration_id = d.iid AND l.customer_ref = d.cref AND l.deleted = %s
                    AND l.start < {ts} AND l.status IN ('completed', 'no_show')
                  ORDER BY l.start DESC LIMIT 1), '') <> 'no_show'"""
    )
    prefer = (
        "CASE WHEN days_since <= interval_days * %s THEN 0 ELSE 1 END,"
        if prefer_within is not None
        else ""
    )
    held_join = held_where = ""
    if booked_other_within is not None:
        held_join = """LEFT JOIN integrations_mirroredservice fs
                      ON fs.integration_id = f.integration_id AND fs.platform_id = f.service_ref"""
        held_where = """AND (COALESCE(fs.category, '') = d.cat
                              OR d.days_since > d.interval_days * %s)"""
    if nearest_ratio is not None:
        order = "ABS(ratio - %s)"
    else:
        order = f"ratio {'ASC' if just_due_first else 'DESC'}"
    # Only fixed fragments and %s marks are interpolated; every value is a parameter.
    # Due-ness (plain arithmetic) is decided before the suppression subqueries, so they run only
    # for the clients who are due.
    sql = f"""{prefix},
    timed AS (
        SELECT s.iid, s.cref, s.cat, s.visits, s.last_visit, s.last_sref, s.last_pref,
               s.median_gap, {interval} AS interval_days, {since_expr} AS days_since
        FROM summary s
        WHERE 1 = 1
          {"AND s.cat = %s" if category is not None else ""}
          {"AND s.last_pref = %s" if provider_ref else ""}
          {"AND s.cref <> %s" if exclude_customer else ""}
    ),
    due AS (
        SELECT t.* FROM timed t
        WHERE t.interval_days > 0 AND {_days(ts, "t.last_visit")} >= t.interval_days * %s
          {"AND t.days_since <= t.interval_days * %s" if max_intervals is not None else ""}
    ),
    scored AS (
        SELECT d.* FROM due d
        WHERE NOT EXISTS (
                SELECT 1 FROM integrations_mirroredappointment f {held_join}
                WHERE f.integration_id = d.iid AND f.customer_ref = d.cref AND f.start > {ts}
                  AND f.deleted = %s AND f.status IN ({_marks(ACTIVE)}) {held_where})
          AND NOT EXISTS (
                SELECT 1 FROM rebooking_rebookingsuggestion r
                WHERE r.integration_id = d.iid AND r.customer_ref = d.cref AND r.created_at > {ts})
          AND NOT EXISTS (
                SELECT 1 FROM integrations_mirroredcustomer c
                WHERE c.integration_id = d.iid AND c.platform_id = d.cref AND c.active = %s)
          {no_show_filter}
    ),
    ranked AS (
        SELECT scored.*, days_since / (interval_days * %s) AS ratio,
               ROW_NUMBER() OVER (PARTITION BY iid, cref
                                  ORDER BY {prefer} days_since / (interval_days * %s) DESC) AS pick
        FROM scored
    )
    SELECT iid, cref, cat, visits, last_visit, last_sref, last_pref, median_gap, interval_days,
           days_since, ratio
    FROM ranked
    WHERE pick = 1
    ORDER BY {order}, cref
    {"LIMIT %s" if limit else ""}
    """
    params += [min_visits, *fallback_params * 4, _ts(due_by)]
    if category is not None:
        params.append(category)
    if provider_ref:
        params.append(provider_ref)
    if exclude_customer:
        params.append(exclude_customer)
    params += [_ts(due_by), grace]
    if max_intervals is not None:
        params.append(max_intervals)
    params += [_ts(now), False, *ACTIVE]
    if booked_other_within is not None:
        params.append(booked_other_within)
    params += [_ts(now - timedelta(days=cooldown_days)), False]
    if not include_no_show:
        params += [False, _ts(now)]
    params.append(grace)
    if prefer_within is not None:
        params.append(prefer_within)
    params.append(grace)
    if nearest_ratio is not None:
        params.append(nearest_ratio)
    if limit:
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_row(r) for r in rows]


def _row(r) -> DueClient:
    last_visit = r[4]
    if isinstance(last_visit, str):  # SQLite hands back text, or a naive datetime (UTC)
        last_visit = datetime.fromisoformat(last_visit)
    if last_visit.tzinfo is None:
        last_visit = last_visit.replace(tzinfo=UTC)
    iid = r[0]
    return DueClient(
        integration_id=str(iid),
        customer_ref=r[1],
        category=r[2] or "",
        visits=int(r[3]),
        last_visit=last_visit,
        last_service_ref=r[5] or "",
        last_provider_ref=r[6] or "",
        median_gap=float(r[7]) if r[7] is not None else None,
        interval=float(r[8]),
        days_since=float(r[9]),
        overdue_ratio=float(r[10]),
    )
