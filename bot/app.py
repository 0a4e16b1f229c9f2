"""The Bolt app factory: ``build_app(settings)`` wires the client, the safety middleware and
every listener. Nothing here runs at import time and nothing reads the environment."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from sqlalchemy import Engine

from batchscout.bot import listeners, oauth, safety
from batchscout.bot.context import provide
from batchscout.bot.listeners.commands.dispatch import SLASH_COMMAND
from batchscout.delivery import messages
from batchscout.delivery.clients import make_web_client
from batchscout.services.background import Background
from batchscout.services.batch_api import BatchProvider
from batchscout.services.chat_api import ChatModel
from batchscout.services.context import Services
from batchscout.settings import Settings
from batchscout.storage.db import make_engine

#: Bot scopes, each for something the code does (manifest.yml explains each; a test checks).
BOT_SCOPES: tuple[str, ...] = (
    "commands",  # /batchscout
    "chat:write",  # answers, questions, summary cards
    "im:write",  # conversations.open: the registration DM
    "im:history",  # message.im: typed answers in the DM
    "channels:history",  # message.channels: typed answers in a public channel's thread
    "groups:history",  # message.groups: the same in private channels
    "channels:read",  # conversations.info: is the bot in the channel a digest or quiz goes to?
    "groups:read",  # the same for private channels
    "users:read",  # users.info: the subscriber's time zone for the digest's local time
    "reactions:write",  # a tick or a cross on a knowledge-check answer
    "files:write",  # the digest's chart, uploaded in its thread
    "files:read",  # files.info and url_private_download: an inventory file shared in the DM
)

__all__ = ["BOT_SCOPES", "SLASH_COMMAND", "build_app", "make_web_client"]

#: Bolt writes its own lines (and our listeners' uncaught errors) through this stdlib logger;
#: configure_logging renders them as JSON like ours.
_bolt_logger = logging.getLogger(__name__)


class _NotAWarning(logging.Filter):
    """Bolt warns "As you gave `client` as well, `token` will be unused" whenever
    SLACK_BOT_TOKEN is set and a client is passed; ours is built from that very token (with
    the retry handlers and the API URL), so the line would only alarm an operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_bolt_logger.addFilter(_NotAWarning())


def listener_pool(settings: Settings) -> ThreadPoolExecutor:
    """The threads that run listeners' work after the ack (``BATCHSCOUT_LISTENER_THREADS``;
    Bolt's own default is 5)."""
    return ThreadPoolExecutor(
        max_workers=settings.batchscout_listener_threads, thread_name_prefix="batchscout-listener"
    )


class _RunAtOnce(Executor):
    """Runs each submitted call in the caller's thread: the work finishes before the answer."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def bolt_options(
    settings: Settings,
    *,
    work_before_ack: bool = False,
    listener_executor: Executor | None = None,
) -> dict[str, Any]:
    """The options every Batchscout Bolt app is built with (the ack bench's no-op app too).

    ``process_before_response``: the ack runs in the server's request thread and its return
    is the HTTP answer; listeners' work is lazy (``batchscout.bot.listeners.acking``) and runs
    after it in ``listener_executor`` (default: :func:`listener_pool`), or, with
    ``work_before_ack``, before the answer (tests, so that what Slack receives is there when
    the request returns).
    """
    executor = listener_executor or listener_pool(settings)
    return {
        "process_before_response": True,
        "listener_executor": _RunAtOnce() if work_before_ack else executor,
        "raise_error_for_unhandled_request": True,
        "logger": _bolt_logger,
    }


def build_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    engine: Engine | None = None,
    oauth_enabled: bool | None = None,
    work_before_ack: bool = False,
    provider: BatchProvider | None = None,
    background: Background | None = None,
    listener_executor: ThreadPoolExecutor | None = None,
    chat: ChatModel | None = None,
) -> App:
    """Build the Batchscout Bolt app.

    Single-workspace token mode (``SLACK_BOT_TOKEN``) unless ``oauth_enabled`` (by default:
    whenever client id, client secret and state secret are all set), in which case the
    install flow stores installations in the same database and one deployment serves many
    workspaces (``SLACK_STATE_SECRET`` is then required). ``client`` and ``engine`` default to
    ones made from ``settings``. Listeners ack first and work after the HTTP answer;
    ``work_before_ack`` finishes the work before answering (tests, for determinism).
    ``provider`` is the LLM batch provider for digest prose (the process that serves the app
    builds it from the settings; none by default), and ``background`` the executor that runs
    work a request starts, such as ``digest now`` (a new one by default; its owner shuts it
    down).
    ``listener_executor`` runs the listeners' work (default: :func:`listener_pool`); ``serve``
    passes its own so that a clean stop can wait for work Slack was already answered about.
    ``chat`` is the synchronous chat model that answers questions asked in the DM (built by
    ``serve`` from the settings in ``batchscout.assist``; none: keyword answers).
    """
    engine = engine or make_engine(settings.database_url)
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    if oauth_enabled is None:
        oauth_enabled = settings.uses_oauth
    options = bolt_options(
        settings, work_before_ack=work_before_ack, listener_executor=listener_executor
    )
    if oauth_enabled:
        client = client or make_web_client(settings)
        app = App(
            client=client,
            signing_secret=signing_secret,
            oauth_settings=oauth.oauth_settings(settings, engine, scopes=BOT_SCOPES),
            user_facing_authorize_error_message=messages.NOT_INSTALLED,
            **options,
        )
    else:
        if client is None:
            client = make_web_client(settings, token=settings.bot_token())
        app = App(client=client, signing_secret=signing_secret, **options)
    services = Services(
        engine=engine,
        settings=settings,
        provider=provider,
        background=background or Background(),
        chat=chat,
    )
    app.use(provide(services))
    app.use(safety.skip_retried_events)
    app.error(safety.handle_error)
    listeners.register(app)
    return app
