"""The bot process is woken by PostgreSQL's NOTIFY when an update is stored, not by its next poll."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from bots.telegram.consumer import UpdateAlarm
from bots.telegram.updates import store_update
from tests.bots.residents import Resident

pytestmark = pytest.mark.django_db(transaction=True)  # NOTIFY is delivered when the store commits


def test_a_stored_update_rings_the_alarm_and_a_rolled_back_one_does_not() -> None:
    from django.db import transaction

    omar = Resident(999_000_077)

    def store_then_roll_back() -> None:
        with transaction.atomic():
            store_update(omar.text("never committed"))
            transaction.set_rollback(True)

    async def scenario() -> tuple[bool, bool]:
        stop, alarm = asyncio.Event(), UpdateAlarm()
        listener = asyncio.create_task(alarm.listen(stop))
        try:
            while not alarm.listening:
                await asyncio.sleep(0.01)
            alarm.rung.clear()
            await sync_to_async(store_then_roll_back)()
            rang_for_rollback = await _rings(alarm, 1.5)
            await sync_to_async(store_update)(omar.text("A grey truck waits at the ford"))
            return rang_for_rollback, await _rings(alarm, 30)
        finally:
            stop.set()
            await listener
            await sync_to_async(connections.close_all)()  # the store's thread has its own connection

    rang_for_rollback, rang = asyncio.run(scenario())
    assert rang and not rang_for_rollback


async def _rings(alarm: UpdateAlarm, seconds: float) -> bool:
    try:
        await asyncio.wait_for(alarm.rung.wait(), seconds)
    except TimeoutError:
        return False
    return True
