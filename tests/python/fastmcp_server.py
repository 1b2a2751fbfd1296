# A FastMCP server (`fastmcp` 4.2.3 from PyPI): a tool with an output schema, a resource and a
# prompt, over stdio.
from fastmcp import FastMCP
mcp = FastMCP("fastmcp-server")

@mcp.tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

@mcp.resource("notes://today")
def today() -> str:
    return "Ship the client."

@mcp.prompt
def review(code: str) -> str:
    return f"Review this code: {code}"

mcp.run(show_banner=False)
