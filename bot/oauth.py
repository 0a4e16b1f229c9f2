"""The install flow (``/slack/install`` → Slack → ``/slack/oauth_redirect``) for serving many
workspaces from one deployment: installations and OAuth states live in the app's database,
in slack_sdk's own SQLAlchemy stores (their tables are created by Alembic, revision 0002)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from batchscout.settings import Settings

#: How long an install link stays valid.
STATE_LIFETIME_SECONDS = 600


class SignedStateStore(OAuthStateStore):
    """OAuth states that are both stored (single use, expiring) and signed with
    ``SLACK_STATE_SECRET``, so a forged state is refused before the database is asked."""

    def __init__(self, *, store: OAuthStateStore, secret: str) -> None:
        self._store = store
        self._key = secret.encode()

    @property
    def logger(self) -> Any:
        return self._store.logger

    def _signature(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = self._store.issue(*args, **kwargs)
        return f"{nonce}.{self._signature(nonce)}"

    def consume(self, state: str) -> bool:
        nonce, _, signature = state.rpartition(".")
        if not nonce or not hmac.compare_digest(signature, self._signature(nonce)):
            return False
        return self._store.consume(nonce)


def oauth_settings(settings: Settings, engine: Engine, *, scopes: Sequence[str]) -> OAuthSettings:
    """Bolt's OAuth settings: database-backed stores, a signed state, our bot scopes."""
    flow = settings.install_flow()  # SettingsError when a secret is unset
    installation_store = SQLAlchemyInstallationStore(client_id=flow.client_id, engine=engine)
    state_store = SignedStateStore(
        store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_LIFETIME_SECONDS, engine=engine),
        secret=flow.state_secret,
    )
    return OAuthSettings(
        client_id=flow.client_id,
        client_secret=flow.client_secret,
        scopes=list(scopes),
        installation_store=installation_store,
        state_store=state_store,
        state_expiration_seconds=STATE_LIFETIME_SECONDS,
        # Straight to Slack's consent screen: no intermediate "Add to Slack" page.
        install_page_rendering_enabled=False,
    )
