"""Bulk inserts through PostgreSQL's COPY, for the few places that load thousands of new rows.

Why not bulk_create: on PostgreSQL, Django 5.2 sends each column as an array, and psycopg builds
those arrays' text in Python (quoting every JSON value one match at a time); COPY, psycopg's
documented bulk-load path, formats the rows in C. Loading 12,500 mirrored appointments took 2.6 s
with bulk_create and 0.8 s with COPY (bench/sync.py prints both). Elsewhere, bulk_create.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import Model


def copy_insert(model: type[Model], objects: Iterable[Model], *, batch_size: int = 2000) -> int:
    """Insert new ``objects`` (no primary key set; the database assigns it, which the objects do
    not learn) and return how many. Values are prepared as bulk_create prepares them: each
    field's pre_save (auto_now stamps) and get_db_prep_save."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        count = 0
        batch: list[Model] = []
        for obj in objects:
            batch.append(obj)
            if len(batch) == batch_size:
                count += len(model.objects.using(alias).bulk_create(batch))
                batch = []
        return count + len(model.objects.using(alias).bulk_create(batch))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
            count += 1
    return count
