"""Shared fixtures. Tests talk to the real PostgreSQL and Redis; see docs/testing.md."""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from config.celery_app import app as celery_app


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.1) -> object:
    """Poll until `predicate()` is truthy; fail the test with a clear message at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s: {predicate.__doc__ or predicate}")


@pytest.fixture(autouse=True)
def clean_cache_and_files() -> Iterator[None]:
    """Rate-limit counters, stored files and the active language of one test never leak into
    the next (a request to /fr/... leaves French active in the thread)."""
    from django.utils import translation

    cache.clear()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    for root in (settings.ATTACHMENTS_ROOT, settings.QUARANTINE_ROOT, settings.CAMPAIGN_IMAGES_ROOT):
        shutil.rmtree(root, ignore_errors=True)


def verified_login(client: Client, user: object) -> object:
    """Log in as the admin requires: password and a second factor (a TOTP device, verified)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id  # what django_otp.login() stores
    session.save()
    return device


@pytest.fixture
def supervisor(client: Client, django_user_model) -> Client:  # noqa: ANN001
    """Sam is a supervisor, logged in with both factors (a superuser until roles are enforced)."""
    sam = django_user_model.objects.create_superuser("sam", password="s" * 12)
    verified_login(client, sam)
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _drop_broker_connections() -> None:
    # What Celery itself does after a fork: the next publish opens fresh connections.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_outage() -> Iterator[None]:
    """Point this process's Celery app at a closed port, as if Redis had gone away."""
    original = celery_app.conf.broker_write_url
    _drop_broker_connections()
    celery_app.conf.broker_write_url = "redis://127.0.0.1:9/15"
    try:
        yield
    finally:
        _drop_broker_connections()
        celery_app.conf.broker_write_url = original


def make_photo(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), gps: bool = False, mode: str = "RGB"
) -> bytes:
    """A small image; with gps=True it carries EXIF GPS and camera fields like a phone's."""
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Model X"  # Model
        gps_ifd = {1: "N", 2: (19.0, 25.0, 57.0), 3: "W", 4: (99.0, 7.0, 59.0)}
        exif[0x8825] = gps_ifd
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def jpeg_with_gps() -> bytes:
    return make_photo(gps=True)


FIXTURES = Path(__file__).parent / "fixtures"


def all_stored_text() -> str:
    """Every value of every row of every table, as text (bytes as Latin-1), for privacy scans."""
    chunks: list[str] = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.values_list(*fields):
            chunks.extend(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row)
    return "\n".join(chunks)


@pytest.fixture(scope="session")
def seed_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model, trained once per session on the seed set as `make run` trains it."""
    from triage.classify import seed_examples, train_classifier

    path = tmp_path_factory.mktemp("seed-model")
    train_classifier(seed_examples(), path)
    return path


@pytest.fixture
def active_model(seed_model_dir: Path) -> Iterator[object]:
    """That model registered and promoted in this test's database (by absolute path, so a
    worker process with other settings finds it too)."""
    from triage import classify

    meta = json.loads((seed_model_dir / classify.META_FILE).read_text())
    report = classify.TrainingReport(seed_model_dir, meta["labels"], meta["thresholds"], meta["metrics"], meta["summary"])
    version = classify.register_version(report, f"test-{seed_model_dir.name}")
    classify.promote_version(version)
    classify.forget_active_classifier()
    yield version
    classify.forget_active_classifier()
