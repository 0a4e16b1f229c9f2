"""Publishing the App Home tab, on open and after every change."""

from __future__ import annotations

from slack_sdk import WebClient

from batchscout.delivery.blocks.home import home_view
from batchscout.services.context import Services
from batchscout.storage import queries


def publish_home(*, client: WebClient, services: Services, team_id: str, user_id: str) -> None:
    """Render the workspace's figures and the user's own workflows into their Home tab."""
    with services.session() as session:
        figures, rows = queries.workspace_portfolio(session=session, team_id=team_id)
    own = [(w, item) for w, item in rows if w.owner == user_id]
    client.views_publish(user_id=user_id, view=home_view(figures, rows, own))
