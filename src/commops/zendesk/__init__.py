"""The Zendesk adapter: the only code that imports zenpy. See docs/zendesk.md."""

from commops.zendesk._compose import write_id
from commops.zendesk._transport import ZendeskSession, endpoint_key
from commops.zendesk.doctor import Check, check_account
from commops.zendesk.gateway import ZendeskGateway

__all__ = ["Check", "ZendeskGateway", "ZendeskSession", "check_account", "endpoint_key", "write_id"]
