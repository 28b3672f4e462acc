"""Outbound channels: how a text or a photo reaches a reporter, without `reporting` knowing any platform.

`bots` registers the Telegram channel in its AppConfig.ready(); caseworker replies, status
notices and broadcasts call `send_to_reporter` and never import `bots` (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .models import Reporter


@dataclass(frozen=True)
class SendResult:
    delivered: bool
    # Seconds to wait before trying again (a platform's rate limit), when not delivered.
    retry_after: float | None = None
    # The reporter can no longer be reached (blocked the bot, forgot themselves).
    unreachable: bool = False
    error: str = ""
    # The platform's id of the sent message, when it has one (a reply to it finds the thread).
    platform_message_id: str = ""
    # The platform's id of an uploaded photo, to send the same photo again without uploading it.
    file_id: str = ""
    # The platform no longer knows the photo by the id it was sent with: upload it again.
    photo_id_rejected: bool = False


@dataclass(frozen=True)
class Photo:
    """A photo to send: by the platform's id of an earlier upload when there is one, else its bytes."""

    data: bytes = b""
    filename: str = "photo.jpg"
    content_type: str = "image/jpeg"
    file_id: str = ""


class OutboundChannel(Protocol):
    name: str

    def wait_for_turn(self, reporter: Reporter) -> None:
        """Block until the platform's rate limits allow one more message to this reporter."""

    def send_text(self, reporter: Reporter, text: str, *, paced: bool = False) -> SendResult:
        """Send now; `paced=True` when the caller already waited for its turn."""

    def send_photo(self, reporter: Reporter, photo: Photo, caption: str, *, paced: bool = False) -> SendResult:
        """Send a photo with a caption, paced and answered like a text."""


_registry: dict[str, OutboundChannel] = {}


def register_channel(channel: OutboundChannel) -> None:
    _registry[channel.name] = channel


def unregister_channel(name: str) -> None:
    _registry.pop(name, None)


def channel_for(reporter: Reporter) -> OutboundChannel | None:
    """None for reporters nobody can push to (web and API reporters pull their thread)."""
    return _registry.get(reporter.channel)


def _reachable(reporter: Reporter) -> OutboundChannel | SendResult:
    """The reporter's channel, or the failed result when nobody can write to them."""
    if reporter.forgotten_at is not None or not reporter.reply_handle:
        return SendResult(delivered=False, unreachable=True, error="no reply handle")
    channel = channel_for(reporter)
    if channel is None:
        return SendResult(delivered=False, unreachable=True, error="no outbound channel")
    return channel


def send_to_reporter(reporter: Reporter, text: str, *, paced: bool = False) -> SendResult:
    channel = _reachable(reporter)
    return channel if isinstance(channel, SendResult) else channel.send_text(reporter, text, paced=paced)


def send_photo_to_reporter(reporter: Reporter, photo: Photo, caption: str, *, paced: bool = False) -> SendResult:
    channel = _reachable(reporter)
    return channel if isinstance(channel, SendResult) else channel.send_photo(reporter, photo, caption, paced=paced)


def wait_for_turn(reporter: Reporter) -> None:
    """Pace before committing to a send (broadcasts claim a recipient only after this)."""
    channel = channel_for(reporter)
    if channel is not None:
        channel.wait_for_turn(reporter)
