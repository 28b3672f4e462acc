"""Many rows in one statement, however many there are.

Django's bulk_create and bulk_update write a placeholder per value (and bulk_update a CASE per
field and row); with a thousand rows, building and quoting that query costs more than running
it. On PostgreSQL these send one array per column instead and let the server `unnest` them; on
other databases (SQLite for local development) they are Django's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def _columns(objects: Sequence[models.Model], fields: Sequence[models.Field]) -> tuple[list[list[object]], list[str]]:
    values = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objects] for field in fields]
    casts = [f"%s::{field.db_type(connection)}[]" for field in fields]
    return values, casts


def insert_rows(model: type[models.Model], objects: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """INSERT the objects' `field_names` (set every column without a database default yourself)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    fields = [model._meta.get_field(name) for name in field_names]
    values, casts = _columns(objects, fields)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) SELECT * FROM unnest({', '.join(casts)})"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def update_rows(model: type[models.Model], objects: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """UPDATE `field_names` of the objects (already in the database), matched by primary key."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, list(field_names))
        return
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    values, casts = _columns(objects, [pk, *fields])
    quote = connection.ops.quote_name
    names = ["row_pk", *(f"v{number}" for number in range(len(fields)))]
    assignments = ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(fields, names[1:], strict=True))
    sql = (f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} FROM unnest({', '.join(casts)}) "
           f"AS v({', '.join(names)}) WHERE t.{quote(pk.column)} = v.row_pk")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
