"""The official MCP Python SDK (mcp 1.x) authenticating to a sturdy server with its own OAuth
support (client credentials): the 401, the server's protected resource metadata, the
authorization server's metadata, a token for the server's resource, then the calls.

usage: python oauth_client.py <mcp url> <issuer> <client id> <scope> [step-up]
  The client's secret is `<client id>-secret` (tests/auth/authorization_server.mjs).
Prints {"tools": [names], "sum": <text of add(2, 3)>}; exits 1 on any failure. With `step-up`, it
then calls `add_note` (which needs `notes:write`, perhaps more than its token grants: the SDK
steps up on the 403 `insufficient_scope`) and adds {"note": <its text>}.
Run by tests/it/python_sdk.rs.
"""

from __future__ import annotations

import json
import sys
import traceback

import anyio
import httpx
from mcp import ClientSession
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken


class MemoryStorage:
    """Tokens kept for this run only."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


async def main(url: str, issuer: str, client_id: str, scope: str, mode: str = "") -> None:
    provider = ClientCredentialsOAuthProvider(
        server_url=url,
        storage=MemoryStorage(),
        client_id=client_id,
        client_secret=f"{client_id}-secret",
        scopes=scope,
        issuer=issuer,
    )
    async with httpx.AsyncClient(auth=provider, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = [t.name for t in (await session.list_tools()).tools]
                result = await session.call_tool("add", {"a": 2, "b": 3})
                text = "".join(c.text for c in result.content if c.type == "text")
                out = {"tools": tools, "sum": text}
                if mode == "step-up":
                    note = await session.call_tool("add_note", {"text": "stepped up"})
                    if note.isError:
                        raise RuntimeError(f"add_note failed: {note}")
                    out["note"] = "".join(c.text for c in note.content if c.type == "text")
                print(json.dumps(out))


if __name__ == "__main__":
    try:
        anyio.run(main, *sys.argv[1:6])
    except Exception:
        traceback.print_exc()
        sys.exit(1)
