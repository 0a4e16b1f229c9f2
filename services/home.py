"""Publishing the App Home tab, on open and after every change."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from batchscout.delivery.blocks.home import HomeFilter, home_view
from batchscout.delivery.blocks.opportunities import home_opportunities_section
from batchscout.logs import get_logger
from batchscout.services import ledger
from batchscout.services.context import Services
from batchscout.services.opportunity_clicks import own_items
from batchscout.storage import queries
from batchscout.storage.types import utcnow

log = get_logger(__name__)


def publish_home(
    *,
    client: WebClient,
    services: Services,
    team_id: str,
    user_id: str,
    view_filter: HomeFilter | None = None,
) -> None:
    """Render the workspace's figures, top opportunities and workflows (filtered by
    ``view_filter``: owner, latency class, page) into the user's Home tab.

    Raises ``SlackApiError`` when Slack refuses the view (on open, nothing else has happened,
    so the global error handler may say so); after a change use :func:`refresh_home`.
    """
    # Every workflow's row stays alive while the rest is read and drawn: without the pause,
    # the collector's full pass over them came in that time (bench/figures_bench.py).
    with queries.many_objects():
        with services.session() as session:
            figures, rows = queries.workspace_portfolio(session=session, team_id=team_id)
            trend = ledger.trend(session=session, team_id=team_id, rows=rows)
            mine = own_items(session=session, team_id=team_id, user_id=user_id, now=utcnow())
        view = home_view(figures, rows, view_filter, trend, home_opportunities_section(mine))
    client.views_publish(user_id=user_id, view=view)


def refresh_home(*, client: WebClient, services: Services, team_id: str, user_id: str) -> bool:
    """Redraw the Home tab after a change that is already saved; ``False`` if Slack said no.

    The one guard every "saved, now refresh" path goes through (registration saved,
    ``migrated``, a confirmed remove, an import): a refused or failed ``views.publish`` is a
    ``home_refresh_failed`` log line, never an exception, so nobody is told that nothing
    changed when the change stands. The tab is drawn afresh the next time it is opened.
    """
    try:
        publish_home(client=client, services=services, team_id=team_id, user_id=user_id)
    except (SlackClientError, OSError) as error:
        reason = getattr(error, "response", None)
        log.warning(
            "home_refresh_failed", team_id=team_id, user_id=user_id,
            error=reason.get("error") if reason is not None else type(error).__name__,
        )  # fmt: skip
        return False
    return True
