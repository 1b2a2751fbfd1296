# A minimal MCP server over stdio (2025-11-25), for tests that need a server to misbehave on
# purpose: a test's script is this file followed by its own handlers and a call of `serve`.
import json, sys

def say(message):
    sys.stdout.write(json.dumps(message) + "\n"); sys.stdout.flush()

def answer(id, result):
    say({"jsonrpc": "2.0", "id": id, "result": result})

def text(id, t):
    answer(id, {"content": [{"type": "text", "text": t}]})

def tool(name, **listing):
    return dict({"name": name, "inputSchema": {"type": "object"}}, **listing)

def serve(name, tools, on_call, on_notification=None):
    """Answers initialize and tools/list; each tools/call goes to `on_call(id, name, request)`,
    each notification to `on_notification(request)`."""
    for line in sys.stdin:
        request = json.loads(line)
        method, id = request.get("method"), request.get("id")
        if method == "initialize":
            answer(id, {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                        "serverInfo": {"name": name, "version": "0"}})
        elif method == "tools/list":
            answer(id, {"tools": tools})
        elif method == "tools/call":
            on_call(id, request["params"]["name"], request)
        elif id is None and on_notification is not None:
            on_notification(request)
