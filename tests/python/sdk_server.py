# A server on the official Python SDK (`mcp` 1.30, its FastMCP API): tools with output
# schemas, an elicitation, a resource and a prompt.
from mcp.server.fastmcp import FastMCP, Context
from pydantic import BaseModel

mcp = FastMCP("python-sdk-server")

@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

class Name(BaseModel):
    name: str

@mcp.tool()
async def greet(ctx: Context) -> str:
    """Ask the user's name, then greet them."""
    answer = await ctx.elicit(message="Your name?", schema=Name)
    if answer.action == "accept":
        return f"Hello, {answer.data.name}!"
    return "Hello, stranger."

@mcp.resource("notes://today")
def today() -> str:
    return "Ship the client."

@mcp.prompt()
def review(code: str) -> str:
    return f"Review this code: {code}"

mcp.run()
