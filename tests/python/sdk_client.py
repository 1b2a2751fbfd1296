#!/usr/bin/env python3
"""Drives the example tool server with the official MCP Python SDK (`pip install mcp`).

Usage: sdk_client.py <path to the tool_server binary>

Works with both SDK generations:
  * mcp 1.x (`ClientSession` + `stdio_client`, `initialize` handshake, 2025-11-25),
  * mcp 2.x (`mcp.Client`, which probes `server/discover` and then speaks the stateless 2026-07-28
    revision; the script also runs the scenario once more with `mode="legacy"`, the 2.x client's
    `initialize` handshake).

Every check failure exits with status 1 and a message saying what was expected and what arrived.
Run by tests/python_sdk.rs.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import traceback
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import anyio

SDK_VERSION = importlib.metadata.version("mcp")
SDK_MAJOR = int(SDK_VERSION.split(".")[0])
# Overall budget for one scenario (server start-up included).
TIMEOUT_SECONDS = 60


class CheckFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def as_json(model: Any) -> dict[str, Any]:
    """A result model as its wire JSON (camelCase keys in both SDK generations)."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


def show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class Connection:
    """What the scenario needs from a connected client, the same for both SDK generations."""

    def __init__(self, protocol_version: str, server_name: str | None, list_tools, call_tool):
        self.protocol_version = protocol_version
        self.server_name = server_name
        self._list_tools = list_tools
        self._call_tool = call_tool

    async def list_tools(self) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = as_json(await self._list_tools(cursor))
            tools.extend(page["tools"])
            cursor = page.get("nextCursor")
            if cursor is None:
                return tools

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return as_json(await self._call_tool(name, arguments))


if SDK_MAJOR == 1:
    from mcp import ClientSession, McpError as SdkError, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.types import PaginatedRequestParams

    MODES = [("initialize handshake", "2025-11-25")]

    @asynccontextmanager
    async def connect(server: str, mode: str) -> AsyncIterator[Connection]:
        params = StdioServerParameters(command=server, args=[])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                yield Connection(
                    init.protocolVersion,
                    init.serverInfo.name,
                    lambda cursor: session.list_tools(params=PaginatedRequestParams(cursor=cursor)),
                    lambda name, args: session.call_tool(name, args),
                )

elif SDK_MAJOR == 2:
    from mcp import Client, MCPError as SdkError, StdioServerParameters

    # "auto" (the default) probes server/discover and adopts 2026-07-28 if the server offers it;
    # "legacy" forces the initialize handshake.
    MODES = [("auto", "2026-07-28"), ("legacy", "2025-11-25")]

    @asynccontextmanager
    async def connect(server: str, mode: str) -> AsyncIterator[Connection]:
        params = StdioServerParameters(command=server, args=[])
        async with Client(params, mode=mode) as client:
            info = client.server_info
            yield Connection(
                client.protocol_version,
                info.name if info is not None else None,
                lambda cursor: client.list_tools(cursor=cursor),
                lambda name, args: client.call_tool(name, args),
            )

else:
    sys.exit(f"FAIL: unsupported mcp SDK version {SDK_VERSION} (expected 1.x or 2.x)")


def text_of(result: dict[str, Any]) -> str:
    """The text content of a tool result."""
    return " ".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


async def scenario(server: str, mode: str, expected_version: str) -> None:
    label = f"[mcp {SDK_VERSION}, {mode}]"
    async with connect(server, mode) as conn:
        print(f"{label} negotiated protocol version: {conn.protocol_version}")
        check(
            conn.protocol_version == expected_version,
            f"negotiated protocol version {conn.protocol_version!r}, expected {expected_version!r}",
        )
        check(
            conn.server_name == "sturdy-tool-server",
            f"server name {conn.server_name!r}, expected 'sturdy-tool-server'",
        )

        # tools/list: the example's tools, each with an object input schema.
        tools = {t["name"]: t for t in await conn.list_tools()}
        print(f"{label} tools: {sorted(tools)}")
        for name in ("add", "point_stats", "greet"):
            check(name in tools, f"tool {name!r} missing from tools/list: {sorted(tools)}")
            schema = tools[name].get("inputSchema")
            check(
                isinstance(schema, dict) and schema.get("type") == "object",
                f"tool {name!r} has no object inputSchema: {show(tools[name])}",
            )
        add_schema = tools["add"]["inputSchema"]
        check(
            set(add_schema.get("properties", {})) == {"a", "b", "c"}
            and sorted(add_schema.get("required", [])) == ["a", "b"],
            f"add's inputSchema: {show(add_schema)}",
        )
        check(
            "points" in tools["point_stats"]["inputSchema"].get("properties", {}),
            f"point_stats' inputSchema: {show(tools['point_stats']['inputSchema'])}",
        )
        check(
            "outputSchema" in tools["point_stats"],
            f"point_stats has no outputSchema: {show(tools['point_stats'])}",
        )
        check(
            tools["greet"]["inputSchema"].get("required") == ["name"],
            f"greet's inputSchema: {show(tools['greet']['inputSchema'])}",
        )

        # A structured tool (the SDK also validates structuredContent against the outputSchema).
        r = await conn.call_tool("point_stats", {"points": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]})
        print(f"{label} point_stats: {show(r.get('structuredContent'))}")
        check(not r.get("isError"), f"point_stats failed: {show(r)}")
        sc = r.get("structuredContent") or {}
        check(sc.get("count") == 2, f"point_stats count: {show(r)}")
        check(sc.get("centroid") == [2.0, 3.0], f"point_stats centroid: {show(r)}")
        check(abs(sc.get("spread", -1) - 2**0.5) < 1e-9, f"point_stats spread: {show(r)}")

        r = await conn.call_tool("add", {"a": 2, "b": 3})
        print(f"{label} add(2, 3): {show(r.get('structuredContent'))}")
        check(not r.get("isError"), f"add failed: {show(r)}")
        check(r.get("structuredContent") == {"result": 5}, f"add(2, 3): {show(r)}")

        # A text tool with a defaulted argument.
        r = await conn.call_tool("greet", {"name": "Ada"})
        check(not r.get("isError") and text_of(r) == "Hello, Ada!", f"greet: {show(r)}")

        # Bad arguments: a tool result with isError, naming the argument.
        r = await conn.call_tool("add", {"a": "x", "b": 3})
        print(f"{label} add(a='x'): isError={r.get('isError')} text={text_of(r)!r}")
        check(r.get("isError") is True, f"add with a='x' is not an error result: {show(r)}")
        check("argument `a`" in text_of(r), f"the error does not name argument `a`: {show(r)}")
        check(
            (r.get("structuredContent") or {}).get("error") == "invalid_arguments",
            f"add with a='x': structuredContent: {show(r)}",
        )

        # An unknown tool: a JSON-RPC error (-32602), which the SDK raises.
        try:
            r = await conn.call_tool("no_such_tool", {})
        except SdkError as e:
            print(f"{label} unknown tool: {type(e).__name__} code={e.error.code} message={e.error.message!r}")
            check(e.error.code == -32602, f"unknown tool: error code {e.error.code}, expected -32602")
            check("no_such_tool" in e.error.message, f"unknown tool: message {e.error.message!r}")
        else:
            raise CheckFailed(f"calling an unknown tool did not raise {SdkError.__name__}: {show(r)}")

        # A panicking tool: an error result, and the server keeps serving.
        r = await conn.call_tool("panic_demo", {})
        print(f"{label} panic_demo: isError={r.get('isError')} text={text_of(r)!r}")
        check(r.get("isError") is True, f"panic_demo is not an error result: {show(r)}")
        check("panic" in text_of(r).lower(), f"panic_demo's error does not say it panicked: {show(r)}")

        r = await conn.call_tool("add", {"a": 40, "b": 2, "c": 1})
        check(r.get("structuredContent") == {"result": 43}, f"add after the panic: {show(r)}")
        print(f"{label} add after the panic: {show(r.get('structuredContent'))}")
    print(f"{label} OK")


# The scenario running, for failure messages.
current = "start-up"


async def main(server: str) -> None:
    global current
    print(f"mcp SDK {SDK_VERSION} (python {sys.version.split()[0]}), server {server}")
    for mode, expected_version in MODES:
        current = f"mcp {SDK_VERSION}, {mode}"
        with anyio.fail_after(TIMEOUT_SECONDS):
            await scenario(server, mode, expected_version)


def check_failure(e: BaseException) -> CheckFailed | None:
    """The failed check behind `e`, which the SDK's task groups may wrap in exception groups."""
    if isinstance(e, CheckFailed):
        return e
    for inner in getattr(e, "exceptions", ()):
        if (found := check_failure(inner)) is not None:
            return found
    return None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} <tool_server binary>")
    try:
        anyio.run(main, sys.argv[1])
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - any SDK or transport failure fails the run
        failed = check_failure(e)
        if failed is None:
            traceback.print_exc()
            failed = e
            while getattr(failed, "exceptions", None):  # the first error inside exception groups
                failed = failed.exceptions[0]
        detail = str(failed)
        if isinstance(failed, TimeoutError) and not detail:
            detail = f"the scenario did not finish within {TIMEOUT_SECONDS} s"
        print(f"FAIL ({current}): {type(failed).__name__}: {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"PASS (mcp {SDK_VERSION})")
