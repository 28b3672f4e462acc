"""Reference views: the floors that the benchmarks compare the project's endpoints against.

Kept apart from bench/urls.py so that the bench scripts can import the table's DDL without
loading the project's URLs (which need Django's app registry).
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# Created by the bench scripts before the server starts; no migration, it is not the project's.
BARE_TABLE = "bench_bare_row"
BARE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} "
    "(id bigserial PRIMARY KEY, body text, created_at timestamptz DEFAULT now())"
)


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    """The floor for an insert over HTTP: parse the JSON body, insert one row, answer 201.

    It runs behind the same middleware, server and database as the API, so the ratio between
    the two is what the API's own work costs (validation, throttle, receipt, three rows, broker).
    """
    try:
        text = str(json.loads(request.body)["text"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad body"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} (body) VALUES (%s) RETURNING id", [text])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


@csrf_exempt
@require_POST
def empty_view(request: HttpRequest) -> HttpResponse:
    """The floor for any POST: Django's request cycle and the server, nothing else."""
    return HttpResponse(status=200)
