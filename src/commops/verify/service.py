"""The verification step lives with the use cases (``commops.services.verification``); kept here by name."""

from commops.services.verification import NAMESPACE_FIELD, verify_applications

__all__ = ["NAMESPACE_FIELD", "verify_applications"]
