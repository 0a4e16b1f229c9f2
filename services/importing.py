"""Importing an inventory file shared with the bot in its DM (SPEC.md, "Inventory CSV").

A person uploads a CSV or YAML file in the DM (the Messages tab). The file is downloaded from
Slack with the bot token (standard library, a timeout, a size cap), read as UTF-8, validated
row by row (``audit.inventory.read_inventory``) as it is priced and stored in one transaction
(``storage.queries.import_specs``), rolled back on any problem: every row or none. The reply says how many
workflows came in, or lists every problem by line and column.
"""

from __future__ import annotations

import io
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError, OperationalError

from batchscout.audit.inventory import (
    MAX_ROWS,
    InventoryError,
    Problem,
    WorkflowSpec,
    file_kind_problem,
    read_inventory,
)
from batchscout.delivery import messages, posting
from batchscout.delivery.blocks import Message
from batchscout.delivery.blocks import importing as blocks
from batchscout.delivery.mrkdwn import typed_text
from batchscout.delivery.posting import Place
from batchscout.logs import get_logger
from batchscout.services.context import Services
from batchscout.services.home import refresh_home
from batchscout.storage import queries

log = get_logger(__name__)

ACCEPTED_EXTENSIONS = (".csv", ".yaml", ".yml")
MAX_FILE_BYTES = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 15.0
_CHUNK = 64 * 1024


class DownloadError(Exception):
    """A shared file could not be fetched; ``reason`` is for the log, never for the user."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class FileTooLarge(Exception):
    """A shared file is over the size cap; ``size`` in bytes when Slack said it."""

    def __init__(self, size: int | None) -> None:
        super().__init__(f"over {MAX_FILE_BYTES} bytes")
        self.size = size


@dataclass(frozen=True, slots=True)
class SharedFile:
    """What the importer needs of a file shared in a message."""

    id: str
    name: str
    size: int | None
    download_url: str

    @property
    def is_inventory(self) -> bool:
        """Whether the name says CSV or YAML."""
        return self.name.lower().endswith(ACCEPTED_EXTENSIONS)


def download(
    url: str,
    *,
    token: str,
    max_bytes: int = MAX_FILE_BYTES,
    timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
) -> bytes:
    """The bytes at a file's ``url_private_download``, fetched with the bot token.

    ``timeout`` bounds every wait on the network and, checked between reads, the whole
    download. Raises :class:`FileTooLarge` past ``max_bytes`` (without reading the rest) and
    :class:`DownloadError` for anything else that goes wrong, including Slack's sign-in page,
    which is what a request without a valid token (or ``files:read``) gets instead of the file.
    """
    request = urllib.request.Request(url, method="GET")
    # Unredirected: should Slack send us elsewhere, the token stays behind.
    request.add_unredirected_header("Authorization", f"Bearer {token}")
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.headers.get_content_type() == "text/html":
                raise DownloadError("sign_in_page", status=response.status)
            data = bytearray()
            while chunk := response.read(_CHUNK):
                data += chunk
                if len(data) > max_bytes:
                    raise FileTooLarge(None)
                if time.monotonic() > deadline:
                    raise DownloadError("timeout")
            return bytes(data)
    except urllib.error.HTTPError as error:
        raise DownloadError("http_error", status=error.code) from error
    except urllib.error.URLError as error:
        reason = "timeout" if isinstance(error.reason, TimeoutError) else "connection_failed"
        raise DownloadError(reason) from error
    except TimeoutError as error:
        raise DownloadError("timeout") from error
    except (OSError, HTTPException) as error:
        raise DownloadError(type(error).__name__) from error


def is_slack_file_url(url: str, *, api_url: str) -> bool:
    """Whether ``url`` is on Slack's side, so the bot token may go with it.

    Slack's file host is a subdomain of its API host (``files.slack.com`` for ``slack.com``);
    a test's fake Slack serves both from one host.
    """
    target, api = urlsplit(url), urlsplit(api_url)
    host, api_host = (target.hostname or "").lower(), (api.hostname or "").lower()
    if not host or not api_host or target.scheme not in {"https", api.scheme}:
        return False
    base = api_host.removeprefix("www.").removeprefix("api.")
    return host in {api_host, base} or host.endswith(f".{base}")


def handle_message(
    *,
    services: Services,
    client: WebClient,
    team_id: str,
    event: dict[str, object],
    bot_user_id: str | None,
) -> bool:
    """Files shared in a DM with the bot: CSV and YAML files are imported (``True``).

    Other files are none of the importer's business, unless the comment says ``import``: then
    the person hears which files are accepted. A file Slack would not describe is reported,
    since it may well have been an inventory.
    """
    if event.get("subtype") != "file_share" or event.get("channel_type") != "im":
        return False
    user_id, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
    raw_files = event.get("files")
    if not user_id or not channel_id or not isinstance(raw_files, list):
        return False
    asked = typed_text(str(event.get("text") or "")).strip().strip(".!").casefold() == "import"
    context = {"team_id": team_id, "user_id": user_id}
    shared = [_describe(client, f, context) for f in raw_files if isinstance(f, dict)]
    known = [f for f in shared if f is not None]
    wanted = [f for f in known if f.is_inventory]
    others = [f for f in known if not f.is_inventory]
    unreadable = len(shared) - len(known)
    if not (wanted or unreadable or (asked and others)):
        return False
    reply_to = _Reply(client, Place(channel_id, str(event.get("thread_ts") or "")))
    if unreadable:
        reply_to.send(blocks.about_file(messages.IMPORT_DOWNLOAD_FAILED, None))
    if asked and others:
        reply_to.send(blocks.not_an_inventory([f.name for f in others]))
    imported = False
    for file in wanted:
        imported |= _import_file(services, client, reply_to, team_id, user_id, file)
    if imported:
        refresh_home(client=client, services=services, team_id=team_id, user_id=user_id)
    return True


@dataclass(frozen=True, slots=True)
class _Reply:
    """Where the importer answers: the DM, in the thread the file was shared in if any."""

    client: WebClient
    place: Place

    def send(self, message: Message) -> None:
        posting.post(self.client, self.place, message)


def _describe(
    client: WebClient, raw: dict[str, object], context: dict[str, str]
) -> SharedFile | None:
    """The file's name, size and download URL: from the event, or from ``files.info`` when
    the event does not carry them (Slack then says ``file_access: check_file_info``)."""
    file_id = str(raw.get("id") or "")
    if not file_id:
        return None
    info: dict[str, object] = raw
    name = str(raw.get("name") or "")
    incomplete = not name or (
        name.lower().endswith(ACCEPTED_EXTENSIONS) and not raw.get("url_private_download")
    )
    if raw.get("file_access") == "check_file_info" or incomplete:
        try:
            found = client.files_info(file=file_id)["file"]
        except SlackApiError as error:
            log.warning("import_file_info_failed", file_id=file_id,
                error=error.response.get("error"), **context,
            )  # fmt: skip
            return None
        info = dict(found) if isinstance(found, dict) else {}
    size = info.get("size")
    return SharedFile(
        id=file_id,
        name=str(info.get("name") or ""),
        size=size if isinstance(size, int) else None,
        download_url=str(info.get("url_private_download") or ""),
    )


def _import_file(
    services: Services,
    client: WebClient,
    reply_to: _Reply,
    team_id: str,
    user_id: str,
    file: SharedFile,
) -> bool:
    """Fetch, check and store one file, and say how it went; ``True`` if it was stored."""
    fields = {"team_id": team_id, "user_id": user_id, "file_id": file.id}
    if file.size is not None and file.size > MAX_FILE_BYTES:
        reply_to.send(blocks.too_large(file.name, file.size, max_bytes=MAX_FILE_BYTES))
        return False
    try:
        data = _fetch(services, client, file)
    except FileTooLarge as error:
        reply_to.send(blocks.too_large(file.name, error.size, max_bytes=MAX_FILE_BYTES))
        return False
    except DownloadError as error:
        log.warning("import_download_failed", reason=error.reason,
            status=error.status, **fields,
        )  # fmt: skip
        reply_to.send(blocks.about_file(messages.IMPORT_DOWNLOAD_FAILED, file.name))
        return False
    kind = file_kind_problem(data[:4096])
    if kind is not None:
        log.info("import_rejected", reason="not an inventory file", **fields)
        reply_to.send(blocks.rejected(file.name, [Problem(1, None, kind)]))
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        reply_to.send(blocks.about_file(messages.IMPORT_NOT_UTF8, file.name))
        return False
    try:
        stopping = services.background.stopping
        with services.session() as session:  # its own short write, not the import's long one
            queries.ensure_workspace(session=session, team_id=team_id)
        specs = _until(stopping, read_inventory(io.StringIO(text, newline=""), file.name))
        with _import_turn(team_id), services.session() as session:
            result = queries.import_specs(
                session=session, team_id=team_id, specs=specs, actor=user_id, chunk=MAX_ROWS
            )
            _raise_if(stopping)
        with services.session() as session:  # read after the commit: the write lock is free
            figures, _ = queries.workspace_portfolio(session=session, team_id=team_id)
    except ImportStopped:  # the transaction was rolled back: nothing of the file is stored
        log.warning("import_stopped", reason="the app is stopping", **fields)
        reply_to.send(blocks.about_file(messages.IMPORT_STOPPED, file.name))
        return False
    except (IntegrityError, OperationalError) as error:  # another process imported at once
        log.warning("import_collided", error=type(error).__name__, **fields)
        reply_to.send(blocks.about_file(messages.IMPORT_BUSY, file.name))
        return False
    except InventoryError as error:
        log.info("import_rejected", problems=len(error.problems), **fields)
        reply_to.send(blocks.rejected(file.name, error.problems))
        return False
    log.info("inventory_imported", created=result.created,
        updated=result.updated, **fields,
    )  # fmt: skip
    reply_to.send(
        blocks.imported(file.name, created=result.created, updated=result.updated, figures=figures)
    )
    return True


class ImportStopped(Exception):
    """The app is stopping (``serve`` got SIGTERM): the import in progress gives up."""


def _raise_if(stopping: threading.Event) -> None:
    if stopping.is_set():
        raise ImportStopped


def _until(stopping: threading.Event, specs: Iterator[WorkflowSpec]) -> Iterator[WorkflowSpec]:
    """The rows, until the app is stopping (checked before each: the stop waits one row)."""
    for spec in specs:
        _raise_if(stopping)
        yield spec


_turns: dict[str, threading.Lock] = {}
_turns_guard = threading.Lock()


def _import_turn(team_id: str) -> threading.Lock:
    """The workspace's import lock in this process: a second import waits its turn instead of
    colliding with the first (a unique-key violation, or SQLite's "database is locked")."""
    with _turns_guard:
        return _turns.setdefault(team_id, threading.Lock())


def _fetch(services: Services, client: WebClient, file: SharedFile) -> bytes:
    if not file.download_url:
        raise DownloadError("no_download_url")
    if not is_slack_file_url(file.download_url, api_url=services.settings.slack_api_url):
        raise DownloadError("not_a_slack_url")
    if not client.token:
        raise DownloadError("no_bot_token")
    return download(file.download_url, token=client.token)
