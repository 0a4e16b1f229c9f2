"""A workspace that removed Batchscout, or whose token Slack no longer accepts.

``app_uninstalled`` and ``tokens_revoked`` arrive as events; ``invalid_auth``,
``account_inactive`` and ``token_revoked`` come back from any Web API call. All of them are
permanent: retrying every minute would only fill the logs. The workspace's jobs stop (its
digest subscriptions are paused, with the reason) and its data is kept until an operator
removes it; reinstalling and running ``/batchscout digest subscribe`` resumes.
"""

from __future__ import annotations

from sqlalchemy import Engine, update
from sqlmodel import col

from batchscout.logs import get_logger
from batchscout.storage import quizzes
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestSubscription, SubscriptionStatus
from batchscout.storage.types import utcnow

log = get_logger(__name__)

#: Web API errors that mean the workspace's token will never work again.
TOKEN_DEAD = frozenset(
    {"invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed"}
)


def stop_workspace(engine: Engine, *, team_id: str, reason: str) -> int:
    """Pause every active digest subscription of ``team_id``; returns how many. Data is kept."""
    with session_scope(engine) as session:
        result = session.execute(
            update(DigestSubscription)
            .where(
                col(DigestSubscription.team_id) == team_id,
                col(DigestSubscription.status) == SubscriptionStatus.ACTIVE,
            )
            .values(
                status=SubscriptionStatus.PAUSED, status_reason=reason[:200], updated_at=utcnow()
            )
            .execution_options(synchronize_session=False)
        )
        paused = int(getattr(result, "rowcount", 0) or 0)
        # Knowledge checks still open would try to post their reveal with a dead token.
        closed = quizzes.close_open_questions(session=session, team_id=team_id, now=utcnow())
    log.warning("workspace stopped; its data is kept", team_id=team_id, reason=reason,
        subscriptions_paused=paused, questions_closed=closed,
    )  # fmt: skip
    return paused
