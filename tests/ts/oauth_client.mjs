// The official MCP TypeScript SDK client authenticating to a sturdy server with its own OAuth
// support (client credentials): it gets the 401, reads the server's protected resource metadata,
// discovers the authorization server, obtains a token for the server's resource and retries.
//
// Usage: node oauth_client.mjs <mcp url> <issuer> <client id> <scope>
//   The client's secret is `<client id>-secret` (tests/auth/authorization_server.mjs).
// Prints {"tools": [names], "sum": <text of add(2, 3)>}; exits 1 on any failure.
// MCP_TS_SDK names the installed SDK package directory. Run by tests/it/ts_sdk.rs.

import path from "node:path";
import { pathToFileURL } from "node:url";

const sdk = (p) => import(pathToFileURL(path.join(process.env.MCP_TS_SDK, "dist/esm", p)).href);
const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { ClientCredentialsProvider } = await sdk("client/auth-extensions.js");

const [, , url, issuer, clientId, scope] = process.argv;
try {
  const authProvider = new ClientCredentialsProvider({
    clientId,
    clientSecret: `${clientId}-secret`,
    scope,
    expectedIssuer: issuer,
  });
  const client = new Client({ name: "sturdy-oauth-test", version: "1.0.0" }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider }));
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
  console.log(JSON.stringify({ tools, sum: sum.content.map((c) => c.text).join("") }));
  await client.close();
} catch (e) {
  console.error(`FAIL: ${e?.stack ?? e}`);
  process.exit(1);
}
