"""The framework's ceilings: bare views on the same middleware, database and
server as the app, routed by bench.urls only (never in production)."""

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from nominees.models import Municipality


class BenchRow(models.Model):
    """A row in bench_row, a table bench/run.py creates with raw SQL; not
    part of any app and never migrated."""

    created_at = models.DateTimeField()
    payload = models.CharField(max_length=64)

    class Meta:
        app_label = "bench"
        managed = False
        db_table = "bench_row"

    def __str__(self) -> str:
        return f"bench row {self.pk}"


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


def insert(request: HttpRequest) -> HttpResponse:
    """One row inserted through the ORM, autocommitted."""
    row = BenchRow.objects.create(created_at=timezone.now(), payload="bench")
    return HttpResponse(str(row.pk))


def rows(request: HttpRequest) -> HttpResponse:
    """Six rows read through the ORM and rendered by a small template."""
    municipalities = Municipality.objects.order_by("pk")[:6]
    return render(request, "bench/rows.html", {"municipalities": municipalities})
