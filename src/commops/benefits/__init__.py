"""Benefits adapters: the SQLite store (code pools, provisioning intents, membership ledger), the webhook
provisioner on httpx, and CSV imports."""

from commops.benefits.store import PoolStatus, Provision, SqliteBenefits

__all__ = ["PoolStatus", "Provision", "SqliteBenefits"]
