"""Many rows in one statement, however many there are.

Django's bulk_create and bulk_update write a placeholder per value (and bulk_update a CASE per
field and row); with a thousand rows, building and quoting that query costs more than running
it. On PostgreSQL inserts go through COPY, and updates send one array per column for the server
to `unnest`; on other databases (SQLite for local development) these are Django's own methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def integer_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers, to pass as one parameter (cast it: `%s::bigint[]`).

    psycopg adapts a Python list element by element; for a few thousand integers that takes
    milliseconds, where joining their digits takes a fraction of one.
    """
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def _prepare(field: models.Field, values: list[object]) -> list[object]:
    """JSON and binary values need Django's adaptation; plain ones pass as they are (fast)."""
    if isinstance(field, models.JSONField | models.BinaryField):
        return [field.get_db_prep_save(value, connection) for value in values]
    return values


def _cast(field: models.Field) -> str:
    return f"%s::{field.db_type(connection)}[]"


def insert_rows(model: type[models.Model], field_names: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """INSERT rows given as tuples of `field_names` values (ids for foreign keys).

    Every column without a database default must be among `field_names`.
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in fields]
        model.objects.bulk_create(model(**dict(zip(attnames, row, strict=True))) for row in rows)
        return
    # COPY: psycopg writes the rows in C, with no query to build or parse.
    prepared = zip(*(_prepare(field, list(values)) for field, values in zip(fields, zip(*rows, strict=True), strict=True)),
                   strict=True)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    ) as copy:
        for row in prepared:
            copy.write_row(row)


def update_rows(model: type[models.Model], objects: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """UPDATE `field_names` of the objects (already in the database), matched by primary key."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, list(field_names))
        return
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    values = [_prepare(field, [getattr(obj, field.attname) for obj in objects]) for field in [pk, *fields]]
    casts = [_cast(field) for field in [pk, *fields]]
    quote = connection.ops.quote_name
    names = ["row_pk", *(f"v{number}" for number in range(len(fields)))]
    assignments = ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(fields, names[1:], strict=True))
    sql = (f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} FROM unnest({', '.join(casts)}) "
           f"AS v({', '.join(names)}) WHERE t.{quote(pk.column)} = v.row_pk")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
