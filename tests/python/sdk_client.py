#!/usr/bin/env python3
"""Drives the example tool server with the official MCP Python SDK (`pip install mcp`).

Usage: sdk_client.py <path to the tool_server binary>   stdio: the SDK starts the server itself
       sdk_client.py --http <url, e.g. http://127.0.0.1:8000/mcp>
                                                       Streamable HTTP to a server already running
       ... --cases tests/type_torture/cases.json       instead of the example server's scenario,
                                                       every tool of a type-torture server

Works with both SDK generations:
  * mcp 1.x (`ClientSession` + `stdio_client` / `streamable_http_client`, `initialize` handshake,
    2025-11-25; over HTTP a session named by `Mcp-Session-Id`),
  * mcp 2.x (`mcp.Client`, which probes `server/discover` and then speaks the stateless 2026-07-28
    revision; the script also runs the scenario once more with `mode="legacy"`, the 2.x client's
    `initialize` handshake).

Over HTTP the SDK's own HTTP client is handed an instance with event hooks, which record every
exchange; the script then checks the session (or stateless) flow the negotiated revision implies.

Every check failure exits with status 1 and a message saying what was expected and what arrived.
Run by tests/python_sdk.rs.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import sys
import traceback
import warnings
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

import anyio

SDK_VERSION = importlib.metadata.version("mcp")
SDK_MAJOR = int(SDK_VERSION.split(".")[0])
# Overall budget for one scenario (server start-up included).
TIMEOUT_SECONDS = 60
# The revisions with an `initialize` handshake (and, over HTTP, a session).
HANDSHAKE_REVISIONS = ("2025-06-18", "2025-11-25")


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


@dataclass(frozen=True)
class Target:
    """Where the server is: a binary to start on stdio, or the URL of a running HTTP server."""

    http: bool
    where: str

    @property
    def transport(self) -> str:
        return "http" if self.http else "stdio"


@dataclass
class Exchange:
    """One HTTP request and the head of its response."""

    method: str  # HTTP method
    rpc: str  # the JSON-RPC method of a POST ("" for a response, a GET or a DELETE)
    tool: str | None  # the tool of a tools/call
    session_sent: str | None  # Mcp-Session-Id of the request
    version_sent: str | None  # MCP-Protocol-Version of the request
    status: int
    content_type: str
    session_issued: str | None  # Mcp-Session-Id of the response
    last_event_id_sent: str | None = None  # Last-Event-ID of a GET resuming a stream

    def __str__(self) -> str:
        what = self.rpc + (f"({self.tool})" if self.tool else "")
        return f"{self.method} {what} -> {self.status} {self.content_type}".replace("  ", " ")


@dataclass
class Wire:
    """Every HTTP exchange of a connection, recorded by the HTTP client's response hook."""

    exchanges: list[Exchange] = field(default_factory=list)

    def hooks(self) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
        return {"response": [self._on_response]}

    async def _on_response(self, response: Any) -> None:
        request = response.request
        rpc, tool = "", None
        if request.method == "POST":
            try:
                body = json.loads(request.content)
            except ValueError:
                body = None
            if isinstance(body, dict):
                rpc = body.get("method", "")
                if rpc == "tools/call":
                    tool = (body.get("params") or {}).get("name")
        self.exchanges.append(
            Exchange(
                method=request.method,
                rpc=rpc,
                tool=tool,
                session_sent=request.headers.get("mcp-session-id"),
                version_sent=request.headers.get("mcp-protocol-version"),
                status=response.status_code,
                content_type=response.headers.get("content-type", "").split(";")[0],
                session_issued=response.headers.get("mcp-session-id"),
                last_event_id_sent=request.headers.get("last-event-id"),
            )
        )

    def describe(self) -> str:
        return "\n    ".join(str(e) for e in self.exchanges)


ProgressFn = Callable[[float, "float | None", "str | None"], Awaitable[None]]


class Updates:
    """The `notifications/resources/updated` a 2025 session received (through the SDK's message
    handler), in order."""

    def __init__(self) -> None:
        self._send, self._receive = anyio.create_memory_object_stream(math.inf)

    async def on_message(self, message: Any) -> None:
        # 1.x wraps notifications in a RootModel (`.root`); 2.x hands the notification itself.
        note = getattr(message, "root", message)
        if getattr(note, "method", None) == "notifications/resources/updated":
            self._send.send_nowait(str(note.params.uri))

    async def wait(self, uri: str) -> None:
        while (await self._receive.receive()) != uri:
            pass


@asynccontextmanager
async def subscribed(client: Any, updates: Updates, uri: str) -> AsyncIterator[Any]:
    """resources/subscribe (a 2025 session; 1.x `ClientSession` and 2.x `Client` alike): yields a
    wait for the next update of `uri`."""
    await client.subscribe_resource(uri)
    yield lambda: updates.wait(uri)
    await client.unsubscribe_resource(uri)


class Connection:
    """What the scenario needs from a connected client, the same for both SDK generations."""

    def __init__(self, protocol_version: str, server_name: str | None, list_tools, call_tool, sdk):
        self.protocol_version = protocol_version
        self.server_name = server_name
        self._list_tools = list_tools
        self._call_tool = call_tool
        # The SDK's own client object (`ClientSession` in 1.x, `Client` in 2.x): resources,
        # prompts and completion have the same method names in both generations.
        self.sdk = sdk
        self.watch: Callable[[str], Any] | None = None

    async def list_tools(self) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = as_json(await self._list_tools(cursor))
            tools.extend(page["tools"])
            cursor = page.get("nextCursor")
            if cursor is None:
                return tools

    async def call_tool(
        self, name: str, arguments: dict[str, Any], progress: ProgressFn | None = None
    ) -> dict[str, Any]:
        return as_json(await self._call_tool(name, arguments, progress))


# HTTP timeouts as the SDKs' default clients have them: 30 s, and 300 s to read (SSE streams).
HTTP_TIMEOUT = {"timeout": 30.0, "read": 300.0}

# What the server asked this client (its elicitation and sampling requests), in order.
ASKED: list[tuple[str, Any]] = []
CONTACT = {"name": "Ada Lovelace", "email": "ada@example.com"}


async def on_elicitation(context: Any, params: Any) -> Any:
    """The user fills in the form: the example's contact details."""
    from mcp.types import ElicitResult

    ASKED.append(("elicitation", params.message))
    return ElicitResult(action="accept", content=CONTACT)


async def on_sampling(context: Any, params: Any) -> Any:
    """The client's model: answers with the last line of the prompt, upper-cased."""
    from mcp.types import CreateMessageResult, TextContent

    prompt = params.messages[0].content.text
    # Field names: camelCase in mcp 1.x, snake_case in 2.x.
    max_tokens = getattr(params, "max_tokens", None) or getattr(params, "maxTokens", None)
    ASKED.append(("sampling", max_tokens))
    reply = prompt.splitlines()[-1].upper()
    return CreateMessageResult(
        role="assistant", content=TextContent(type="text", text=reply), model="echo-model", stopReason="endTurn"
    )


if SDK_MAJOR == 1:
    import httpx
    from mcp import ClientSession, McpError as SdkError, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.types import PaginatedRequestParams

    MODES = [("initialize handshake", "2025-11-25")]

    @asynccontextmanager
    async def streams(target: Target, wire: Wire) -> AsyncIterator[tuple[Any, Any]]:
        if target.http:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(**HTTP_TIMEOUT), event_hooks=wire.hooks()
            ) as http:
                async with streamable_http_client(target.where, http_client=http) as (read, write, _):
                    yield read, write
        else:
            async with stdio_client(StdioServerParameters(command=target.where, args=[])) as rw:
                yield rw

    @asynccontextmanager
    async def connect(target: Target, mode: str, wire: Wire) -> AsyncIterator[Connection]:
        async with streams(target, wire) as (read, write):
            updates = Updates()
            async with ClientSession(
                read,
                write,
                sampling_callback=on_sampling,
                elicitation_callback=on_elicitation,
                message_handler=updates.on_message,
            ) as session:
                init = await session.initialize()
                conn = Connection(
                    init.protocolVersion,
                    init.serverInfo.name,
                    lambda cursor: session.list_tools(params=PaginatedRequestParams(cursor=cursor)),
                    lambda name, args, progress: session.call_tool(
                        name, args, progress_callback=progress
                    ),
                    session,
                )
                conn.watch = lambda uri: subscribed(session, updates, uri)
                yield conn

elif SDK_MAJOR == 2:
    import httpx2
    from mcp import Client, MCPError as SdkError, StdioServerParameters
    from mcp.client.streamable_http import streamable_http_client

    # "auto" (the default) probes server/discover and adopts 2026-07-28 if the server offers it;
    # "legacy" forces the initialize handshake.
    MODES = [("auto", "2026-07-28"), ("legacy", "2025-11-25")]
    from mcp.client.subscriptions import ResourceUpdated

    # The legacy handshake's subscriptions are what this mode checks: the SDK's warning that they
    # are gone from 2026-07-28 is not news here.
    warnings.filterwarnings("ignore", message="resources/(un)?subscribe is removed")

    ASKABLE = {"sampling_callback": on_sampling, "elicitation_callback": on_elicitation}

    @asynccontextmanager
    async def client(
        target: Target, mode: str, wire: Wire, updates: Updates
    ) -> AsyncIterator[Client]:
        if target.http:
            # `Client(url)` builds this same transport with a default HTTP client; this one records.
            async with httpx2.AsyncClient(
                timeout=httpx2.Timeout(**HTTP_TIMEOUT), event_hooks=wire.hooks()
            ) as http:
                transport = streamable_http_client(target.where, http_client=http)
                async with Client(
                    transport, mode=mode, message_handler=updates.on_message, **ASKABLE
                ) as c:
                    yield c
        else:
            server = StdioServerParameters(command=target.where, args=[])
            async with Client(
                server, mode=mode, message_handler=updates.on_message, **ASKABLE
            ) as c:
                yield c

    @asynccontextmanager
    async def connect(target: Target, mode: str, wire: Wire) -> AsyncIterator[Connection]:
        updates = Updates()
        async with client(target, mode, wire, updates) as c:
            info = c.server_info
            conn = Connection(
                c.protocol_version,
                info.name if info is not None else None,
                lambda cursor: c.list_tools(cursor=cursor),
                lambda name, args, progress: c.call_tool(name, args, progress_callback=progress),
                c,
            )
            if c.protocol_version in HANDSHAKE_REVISIONS:
                conn.watch = lambda uri: subscribed(c, updates, uri)
            else:
                conn.watch = lambda uri: listening(c, uri)
            yield conn

    @asynccontextmanager
    async def listening(c: Any, uri: str) -> AsyncIterator[Any]:
        """subscriptions/listen (2026-07-28): yields a wait for the next update of `uri`."""
        async with c.listen(resource_subscriptions=[uri]) as sub:
            honored = as_json(sub.honored)
            check(
                honored.get("resourceSubscriptions") == [uri],
                f"listen acknowledged {show(honored)}, expected resourceSubscriptions [{uri}]",
            )

            async def updated() -> None:
                async for event in sub:
                    if isinstance(event, ResourceUpdated) and event.uri == uri:
                        return
                raise CheckFailed(f"the listen stream ended before {uri} was updated")

            yield updated

else:
    sys.exit(f"FAIL: unsupported mcp SDK version {SDK_VERSION} (expected 1.x or 2.x)")


def text_of(result: dict[str, Any]) -> str:
    """The text content of a tool result."""
    return " ".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


async def scenario(target: Target, mode: str, expected_version: str) -> None:
    label = f"[mcp {SDK_VERSION}, {target.transport}, {mode}]"
    wire = Wire()
    async with connect(target, mode, wire) as conn:
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
        # Error results carry no structuredContent: it would contradict the tool's outputSchema.
        check("structuredContent" not in r, f"add with a='x' carries structuredContent: {show(r)}")
        check(
            r.get("_meta", {}).get("dev.sturdy/error", {}).get("error") == "invalid_arguments",
            f"add with a='x': _meta: {show(r)}",
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

        # Progress notifications reach the SDK's progress callback, in order, before the result.
        updates: list[tuple[float, float | None, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            updates.append((progress, total, message))

        r = await conn.call_tool("count_slowly", {"n": 5}, progress=on_progress)
        print(f"{label} count_slowly(5): {text_of(r)!r}, progress {[u[0] for u in updates]}")
        check(not r.get("isError") and text_of(r) == "counted to 5", f"count_slowly: {show(r)}")
        check(
            updates == [(float(i), 5.0, "counting") for i in range(1, 6)],
            f"count_slowly's progress: expected 1..5 of 5 ('counting'), got {updates}",
        )

        # A panicking tool: an error result, and the server keeps serving.
        r = await conn.call_tool("panic_demo", {})
        print(f"{label} panic_demo: isError={r.get('isError')} text={text_of(r)!r}")
        check(r.get("isError") is True, f"panic_demo is not an error result: {show(r)}")
        check("panic" in text_of(r).lower(), f"panic_demo's error does not say it panicked: {show(r)}")

        r = await conn.call_tool("add", {"a": 40, "b": 2, "c": 1})
        check(r.get("structuredContent") == {"result": 43}, f"add after the panic: {show(r)}")
        print(f"{label} add after the panic: {show(r.get('structuredContent'))}")

        # Tools that ask this client: the user through a form, and the client's model. In a
        # session the server sends the requests mid-call; stateless (2026-07-28), the call returns
        # `input_required` and the SDK calls again with the answers.
        ASKED.clear()
        r = await conn.call_tool("ask_contact_details", {"reason": "To send you the report"})
        print(f"{label} ask_contact_details: {show(r.get('structuredContent'))}, asked {ASKED}")
        check(not r.get("isError"), f"ask_contact_details failed: {show(r)}")
        check(r.get("structuredContent") == CONTACT, f"ask_contact_details: {show(r)}")
        check(ASKED == [("elicitation", "To send you the report")], f"elicitations: {ASKED}")
        r = await conn.call_tool(
            "summarize_with_client_model", {"text": "Once upon a time.\nthe end", "max_words": 5}
        )
        print(f"{label} summarize_with_client_model: {text_of(r)!r}, asked {ASKED}")
        check(not r.get("isError") and text_of(r) == "THE END", f"summarize: {show(r)}")
        check(ASKED[1:] == [("sampling", 20)], f"sampling requests: {ASKED}")

        await library(conn, label)
    if target.http:
        # After the connection closed: a handshake session ends with DELETE.
        print(f"{label} wire: {check_wire(wire, conn.protocol_version)}")
    print(f"{label} OK")


async def library(conn: Connection, label: str) -> None:
    """The example's resources, prompt and completions (`examples/tool_server/library.rs`), and a
    resource update heard through the SDK: `resources/subscribe` in a 2025 session,
    `subscriptions/listen` in 2026-07-28."""
    from mcp.types import PromptReference, ResourceTemplateReference

    sdk = conn.sdk
    resources = as_json(await sdk.list_resources())["resources"]
    uris = sorted(r["uri"] for r in resources)
    print(f"{label} resources: {uris}")
    check(uris == ["notes://latest", "reports://daily"], f"resources/list: {show(resources)}")
    report = next(r for r in resources if r["uri"] == "reports://daily")
    check(report.get("mimeType") == "text/markdown", f"reports://daily: {show(report)}")
    templates = as_json(await sdk.list_resource_templates())["resourceTemplates"]
    check(
        [t["uriTemplate"] for t in templates] == ["status://regions/{region}"],
        f"resources/templates/list: {show(templates)}",
    )

    # A cached resource: the second read is the first one's contents (the same build).
    first = as_json(await sdk.read_resource("reports://daily"))["contents"]
    again = as_json(await sdk.read_resource("reports://daily"))["contents"]
    check(first[0]["text"].startswith("# Daily report (build "), f"reports://daily: {show(first)}")
    check(first == again, f"reports://daily read twice: {show(first)} then {show(again)}")
    status = as_json(await sdk.read_resource("status://regions/eu-west"))["contents"][0]
    check(
        status["uri"] == "status://regions/eu-west"
        and json.loads(status["text"]) == {"region": "eu-west", "status": "healthy"},
        f"status://regions/eu-west: {show(status)}",
    )
    try:
        r = await sdk.read_resource("status://nowhere")
    except SdkError as e:
        expected = -32002 if conn.protocol_version in HANDSHAKE_REVISIONS else -32602
        print(f"{label} unknown resource: code={e.error.code} message={e.error.message!r}")
        check(e.error.code == expected, f"unknown resource: code {e.error.code}, expected {expected}")
    else:
        raise CheckFailed(f"reading an unknown resource did not raise: {show(as_json(r))}")

    prompts = as_json(await sdk.list_prompts())["prompts"]
    explain = next((p for p in prompts if p["name"] == "explain_region"), None)
    check(explain is not None, f"prompts/list: {show(prompts)}")
    check(
        explain.get("arguments") == [{"name": "region", "description": "The region", "required": True}],
        f"explain_region's arguments: {show(explain)}",
    )
    got = as_json(await sdk.get_prompt("explain_region", {"region": "us-east"}))
    messages = got["messages"]
    print(f"{label} explain_region(us-east): {len(messages)} messages")
    check(len(messages) == 2, f"prompts/get explain_region: {show(got)}")
    embedded = messages[0]["content"]
    check(
        embedded.get("type") == "resource"
        and embedded["resource"]["uri"] == "status://regions/us-east",
        f"explain_region's first message embeds no resource: {show(messages[0])}",
    )
    check("us-east" in messages[1]["content"]["text"], f"explain_region's text: {show(messages[1])}")

    by_prompt = as_json(
        await sdk.complete(PromptReference(type="ref/prompt", name="explain_region"), {"name": "region", "value": "eu"})
    )["completion"]
    by_template = as_json(
        await sdk.complete(
            ResourceTemplateReference(type="ref/resource", uri="status://regions/{region}"),
            {"name": "region", "value": "us"},
        )
    )["completion"]
    print(f"{label} completions: eu -> {by_prompt['values']}, us -> {by_template['values']}")
    check(by_prompt["values"] == ["eu-west", "eu-central"], f"completion of eu: {show(by_prompt)}")
    check(by_template["values"] == ["us-east", "us-west"], f"completion of us: {show(by_template)}")

    # A tool changes a resource; the client hears of it and reads the new contents.
    assert conn.watch is not None
    async with conn.watch("notes://latest") as updated:
        r = await conn.call_tool("add_note", {"text": f"checked by {label}"})
        check(not r.get("isError"), f"add_note: {show(r)}")
        with anyio.fail_after(10):
            await updated()
    notes = as_json(await sdk.read_resource("notes://latest"))["contents"][0]["text"]
    check(notes.splitlines()[0] == f"checked by {label}", f"notes://latest after add_note: {notes!r}")
    print(f"{label} notes://latest updated, heard and read again")


# Set by --cases FILE: the calls of a type-torture server (tests/type_torture/cases.json), run
# instead of the example server's scenario.
CASES: list[dict[str, Any]] | None = None


async def cases_scenario(target: Target, mode: str, expected_version: str) -> None:
    """Lists the tools (the SDK checks them) and makes each case's call, as given (a success,
    whose structuredContent the SDK validates against the outputSchema) and with `fail: true`
    (an error result, without structuredContent)."""
    assert CASES is not None
    label = f"[mcp {SDK_VERSION}, {target.transport}, {mode}]"
    async with connect(target, mode, Wire()) as conn:
        check(
            conn.protocol_version == expected_version,
            f"negotiated protocol version {conn.protocol_version!r}, expected {expected_version!r}",
        )
        tools = {t["name"]: t for t in await conn.list_tools()}
        covered = {c["tool"] for c in CASES}
        check(set(tools) == covered, f"tools without cases: {sorted(set(tools) - covered)}, "
              f"cases without tools: {sorted(covered - set(tools))}")
        print(f"{label} tools/list: {len(tools)} tools")
        for c in CASES:
            what = f"{c['tool']}({show(c['arguments'])})"
            r = await conn.call_tool(c["tool"], c["arguments"])
            check(not r.get("isError"), f"{what} failed: {show(r)}")
            if "structured" in c:
                check(r.get("structuredContent") == c["structured"], f"{what}: {show(r)}")
            else:
                check("structuredContent" not in r, f"{what}: {show(r)}")
            if "text" in c:
                check(text_of(r) == c["text"], f"{what}: {show(r)}")
            if c.get("empty"):
                check(r.get("content") == [], f"{what}: {show(r)}")
            r = await conn.call_tool(c["tool"], {**c["arguments"], "fail": True})
            check(r.get("isError") is True, f"{what} with fail: {show(r)}")
            check("structuredContent" not in r, f"{what} with fail: {show(r)}")
            check("failed on request" in text_of(r), f"{what} with fail: {show(r)}")
        print(f"{label} {len(CASES)} cases called, each as a success and as an error")
    print(f"{label} OK")


def check_wire(wire: Wire, version: str) -> str:
    """Checks the HTTP flow of a connection that negotiated `version`; returns a summary."""
    ex = wire.exchanges
    trace = f"exchanges:\n    {wire.describe()}"
    posts = [e for e in ex if e.method == "POST"]
    check(posts, f"no POST recorded; {trace}")
    for e in posts:
        ok = e.status == 202 if e.rpc.startswith("notifications/") or not e.rpc else e.status == 200
        check(ok, f"{e}: unexpected status; {trace}")
    calls = [e for e in posts if e.tool == "count_slowly"]
    check(
        len(calls) == 1 and calls[0].content_type == "text/event-stream",
        f"the count_slowly call (with a progress token) was not answered as an SSE stream; {trace}",
    )
    # In a session, the calls whose tools ask the client stream too (the question, then the result).
    streamed = {"count_slowly"}
    if version in HANDSHAKE_REVISIONS:
        streamed |= {"ask_contact_details", "summarize_with_client_model"}
        asking = [e for e in posts if e.tool in streamed - {"count_slowly"}]
        check(
            len(asking) == 2 and all(e.content_type == "text/event-stream" for e in asking),
            f"the calls that ask the client were not answered as SSE streams; {trace}",
        )
    # A listen stream (2026-07-28 resource subscriptions) is an SSE response that stays open.
    others = [
        e for e in posts if e.status == 200 and e.tool not in streamed and e.rpc != "subscriptions/listen"
    ]
    if CUT_STREAMS:
        # Any call that outlasts the cut is answered as a resumable stream too.
        others = [e for e in others if e.rpc != "tools/call"]
    check(
        all(e.content_type == "application/json" for e in others),
        f"a request that neither asked for progress nor asked the client was not answered with JSON; {trace}",
    )
    gets = [e for e in ex if e.method == "GET"]
    deletes = [e for e in ex if e.method == "DELETE"]
    extras = "".join(
        [
            f", GET stream -> {sorted({e.status for e in gets})}" if gets else "",
            f", DELETE -> {[e.status for e in deletes]}" if deletes else "",
        ]
    )
    if version in HANDSHAKE_REVISIONS:
        inits = [e for e in posts if e.rpc == "initialize"]
        check(len(inits) == 1, f"expected one initialize, got {len(inits)}; {trace}")
        sid = inits[0].session_issued
        check(bool(sid), f"initialize's response carries no Mcp-Session-Id; {trace}")
        later = ex[ex.index(inits[0]) + 1 :]
        check(
            all(e.session_sent == sid for e in later),
            f"a request after initialize lacks the session id {sid}; {trace}",
        )
        check(
            all(e.version_sent == version for e in later if e.method == "POST"),
            f"a request after initialize lacks MCP-Protocol-Version {version}; {trace}",
        )
        check(
            [e.status for e in deletes] == [204],
            f"closing the connection did not end the session with one DELETE -> 204; {trace}",
        )
        resumed = [e for e in gets if e.last_event_id_sent]
        if CUT_STREAMS:
            # The server closes its SSE responses early: the SDK resumed them with GET.
            check(
                resumed and all(e.status == 200 for e in resumed),
                f"cut SSE responses were not resumed with GET and Last-Event-ID -> 200; {trace}",
            )
        else:
            check(not resumed, f"a stream was resumed though none was cut; {trace}")
        check(
            all(
                e.status == 200 and e.content_type == "text/event-stream"
                for e in gets
                if not e.last_event_id_sent
            ),
            f"GET /mcp did not open the session's stream (200, text/event-stream); {trace}",
        )
        return (
            f"session flow: {len(posts)} POSTs, Mcp-Session-Id {sid[:8]}... issued by initialize "
            f"and sent on the {len(later)} requests after it, MCP-Protocol-Version {version}{extras}"
        )
    check(
        all(e.session_sent is None and e.session_issued is None for e in ex),
        f"a stateless ({version}) connection used Mcp-Session-Id; {trace}",
    )
    check(
        not any(e.rpc == "initialize" for e in posts),
        f"a stateless ({version}) connection sent initialize; {trace}",
    )
    check(
        all(e.version_sent == version for e in posts),
        f"a stateless request lacks MCP-Protocol-Version {version}; {trace}",
    )
    probes = sum(e.rpc == "server/discover" for e in posts)
    return (
        f"stateless: {len(posts)} POSTs ({probes} server/discover), no Mcp-Session-Id, "
        f"MCP-Protocol-Version {version} on every request{extras}"
    )


# The scenario running, for failure messages.
current = "start-up"


async def main(target: Target) -> None:
    global current
    print(f"mcp SDK {SDK_VERSION} (python {sys.version.split()[0]}), {target.transport}: {target.where}")
    for mode, expected_version in MODES:
        current = f"mcp {SDK_VERSION}, {target.transport}, {mode}"
        with anyio.fail_after(TIMEOUT_SECONDS):
            await (scenario if CASES is None else cases_scenario)(target, mode, expected_version)


def check_failure(e: BaseException) -> CheckFailed | None:
    """The failed check behind `e`, which the SDK's task groups may wrap in exception groups."""
    if isinstance(e, CheckFailed):
        return e
    for inner in getattr(e, "exceptions", ()):
        if (found := check_failure(inner)) is not None:
            return found
    return None


# Set by --cut-streams: the server closes SSE responses early (STURDY_SSE_CLOSE_AFTER).
CUT_STREAMS = False


def parse_args(args: list[str]) -> Target:
    global CUT_STREAMS, CASES
    if "--cut-streams" in args:
        CUT_STREAMS = True
        args = [a for a in args if a != "--cut-streams"]
    if "--cases" in args:
        i = args.index("--cases")
        with open(args[i + 1], encoding="utf-8") as f:
            CASES = json.load(f)["cases"]
        args = args[:i] + args[i + 2 :]
    match args:
        case ["--http", url]:
            return Target(http=True, where=url)
        case [server] if not server.startswith("-"):
            return Target(http=False, where=server)
    sys.exit(
        f"usage: {sys.argv[0]} <server binary> | --http <url of /mcp> [--cut-streams] [--cases FILE]"
    )


if __name__ == "__main__":
    target = parse_args(sys.argv[1:])
    try:
        anyio.run(main, target)
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
    print(f"PASS (mcp {SDK_VERSION}, {target.transport})")
