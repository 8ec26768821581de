"""Local stand-ins for the SMS and WeChat providers, speaking their real wire formats."""

from sandbox.providers.core import Credentials, Received
from sandbox.providers.server import ProviderSandbox

__all__ = ["Credentials", "ProviderSandbox", "Received"]
