// Drives a sturdy server with the official MCP TypeScript SDK client (`@modelcontextprotocol/sdk`),
// the client most MCP hosts embed. It is stricter than the JSON schemas: `listTools()` checks every
// tool with zod, and `callTool()` checks each `structuredContent` (error results too) against the
// tool's `outputSchema` with ajv, throwing instead of handing the model the result.
//
// Usage: node sdk_client.mjs (--stdio <server binary> | --http <url>) <suite>
//   suites: --cases <file.json>   every tool listed has cases; each is called as given (must
//                                 succeed with the expected result) and with `fail: true` (must be
//                                 an error result carrying no structuredContent)
//           --example <dead url>  the example tool server: a structured tool, a rate limit, an
//                                 open circuit (<dead url> refuses connections), its resources,
//                                 prompt and completions, and a resource-updated notification
// MCP_TS_SDK names the installed SDK package directory. Any failed check exits with status 1.
// Run by tests/type_torture.rs and tests/ts_sdk.rs.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const sdkRoot = process.env.MCP_TS_SDK;
if (!sdkRoot) {
  console.error("FAIL: MCP_TS_SDK is not set");
  process.exit(1);
}
const sdk = (p) => import(pathToFileURL(path.join(sdkRoot, "dist/esm", p)).href);
const { Client } = await sdk("client/index.js");
const { StdioClientTransport } = await sdk("client/stdio.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { ResourceUpdatedNotificationSchema } = await sdk("types.js");
const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkRoot, "package.json"), "utf8")).version;

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const target = option("--stdio") ? { stdio: option("--stdio") } : { http: option("--http") };
const label = `[ts sdk ${sdkVersion}, ${target.stdio ? "stdio" : "http"}]`;

const textOf = (r) => (r.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join(" ");
const show = (v) => JSON.stringify(v);

async function connect() {
  const client = new Client({ name: "sturdy-ts-test", version: "1.0.0" }, { capabilities: {} });
  const transport = target.stdio
    ? new StdioClientTransport({ command: target.stdio, args: [], stderr: "inherit" })
    : new StreamableHTTPClientTransport(new URL(target.http));
  await client.connect(transport);
  return client;
}

/// Every page of tools/list (each validated by the SDK with zod).
async function listTools(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

async function casesSuite(client, file) {
  const cases = JSON.parse(fs.readFileSync(file, "utf8")).cases;
  const tools = await listTools(client);
  const names = tools.map((t) => t.name).sort();
  console.log(`${label} tools/list: ${names.length} tools, accepted by the SDK`);
  const covered = new Set(cases.map((c) => c.tool));
  const uncovered = names.filter((n) => !covered.has(n));
  assert.deepEqual(uncovered, [], `tools without a case: ${uncovered}`);
  const unknown = [...covered].filter((n) => !names.includes(n));
  assert.deepEqual(unknown, [], `cases for tools not listed: ${unknown}`);

  for (const c of cases) {
    const what = `${c.tool}(${show(c.arguments)})`;
    // The SDK throws here when structuredContent does not match the tool's outputSchema.
    const r = await client.callTool({ name: c.tool, arguments: c.arguments });
    assert.ok(!r.isError, `${what} failed: ${show(r)}`);
    if ("structured" in c) {
      assert.deepEqual(r.structuredContent, c.structured, `${what}: ${show(r)}`);
    } else {
      assert.equal(r.structuredContent, undefined, `${what}: ${show(r)}`);
    }
    if ("text" in c) {
      assert.equal(textOf(r), c.text, `${what}: ${show(r)}`);
    }
    if (c.empty) {
      assert.deepEqual(r.content, [], `${what}: ${show(r)}`);
    }
    // The same call failing: an error result the SDK hands over, without structuredContent.
    const e = await client.callTool({ name: c.tool, arguments: { ...c.arguments, fail: true } });
    assert.equal(e.isError, true, `${what} with fail: ${show(e)}`);
    assert.equal(e.structuredContent, undefined, `${what} with fail: ${show(e)}`);
    assert.match(textOf(e), /failed on request/, `${what} with fail: ${show(e)}`);
  }
  console.log(`${label} ${cases.length} cases called, each as a success and as an error`);
}

async function exampleSuite(client, deadUrl) {
  const tools = await listTools(client);
  const names = tools.map((t) => t.name);
  console.log(`${label} tools/list: ${names.sort().join(", ")}`);
  // The reference patterns' tools, with their documented parameters.
  const documented = {
    resilient_api_call: ["url"],
    load_balanced_request: ["endpoint"],
    retry_api_call: ["url"],
    cached_expensive_operation: ["n", "operation"],
    rate_limited_operation: ["client_id", "data"],
    health_check: [],
    simple_health: [],
    async_batch_requests: ["concurrency", "timeout_ms", "urls"],
    async_parallel_processing: ["concurrency", "data", "delay_ms"],
  };
  for (const [name, params] of Object.entries(documented)) {
    const tool = tools.find((t) => t.name === name);
    assert.ok(tool, `${name} missing from tools/list`);
    assert.deepEqual(Object.keys(tool.inputSchema.properties ?? {}).sort(), params, name);
  }

  // A structured tool: the SDK validates structuredContent against the outputSchema.
  const stats = await client.callTool({
    name: "point_stats",
    arguments: { points: [{ x: 1, y: 2 }, { x: 3, y: 4 }] },
  });
  assert.ok(!stats.isError, show(stats));
  assert.equal(stats.structuredContent.count, 2, show(stats));
  assert.deepEqual(stats.structuredContent.centroid, [2, 3], show(stats));
  console.log(`${label} point_stats: ${show(stats.structuredContent)}`);

  // A rate limit: 10 calls per minute per client_id, then an error result the model can read.
  for (let i = 1; i <= 10; i++) {
    const r = await client.callTool({
      name: "rate_limited_operation",
      arguments: { data: `job ${i}`, client_id: "ts-client" },
    });
    assert.ok(!r.isError, `call ${i}: ${show(r)}`);
    assert.equal(r.structuredContent.result, `Processed: job ${i}`, show(r));
  }
  const limited = await client.callTool({
    name: "rate_limited_operation",
    arguments: { data: "job 11", client_id: "ts-client" },
  });
  assert.equal(limited.isError, true, show(limited));
  assert.equal(limited.structuredContent, undefined, show(limited));
  assert.match(textOf(limited), /^rate limited: too many calls, retry after \d+\.\d s$/, show(limited));
  assert.equal(limited._meta["dev.sturdy/error"].error, "rate_limited", show(limited));
  console.log(`${label} rate_limited_operation, 11th call: ${show(textOf(limited))}`);

  // An open circuit: the first call's retries fail until the breaker opens under them (the text
  // says what failed and that the circuit is now open); the next call is rejected at once.
  const first = await client.callTool({ name: "resilient_api_call", arguments: { url: deadUrl } });
  assert.equal(first.isError, true, show(first));
  assert.equal(first.structuredContent, undefined, show(first));
  assert.match(
    textOf(first),
    /could not connect.*Connection refused.*; the circuit is now open: retry after \d+\.\d s$/,
    show(first),
  );
  assert.equal(first._meta["dev.sturdy/error"].error, "circuit_open", show(first));
  console.log(`${label} resilient_api_call, failing: ${show(textOf(first))}`);
  const open = await client.callTool({ name: "resilient_api_call", arguments: { url: deadUrl } });
  assert.equal(open.isError, true, show(open));
  assert.match(textOf(open), /^circuit open: the service is failing, retry after \d+\.\d s$/, show(open));
  assert.equal(open._meta["dev.sturdy/error"].error, "circuit_open", show(open));
  console.log(`${label} resilient_api_call, circuit open: ${show(textOf(open))}`);

  await librarySuite(client);
}

/// The example's resources, prompt and completions (examples/tool_server/library.rs), each result
/// checked by the SDK with zod, and a resource update heard through `resources/subscribe`.
async function librarySuite(client) {
  const { resources } = await client.listResources();
  assert.deepEqual(resources.map((r) => r.uri).sort(), ["notes://latest", "reports://daily"], show(resources));
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["status://regions/{region}"]);

  const first = await client.readResource({ uri: "reports://daily" });
  const again = await client.readResource({ uri: "reports://daily" });
  assert.match(first.contents[0].text, /^# Daily report \(build \d+\)/, show(first));
  assert.deepEqual(again.contents, first.contents, "a cached resource is read again unchanged");
  const status = await client.readResource({ uri: "status://regions/us-west" });
  assert.deepEqual(JSON.parse(status.contents[0].text), { region: "us-west", status: "healthy" });
  await assert.rejects(client.readResource({ uri: "status://nowhere" }), (e) => {
    assert.equal(e.code, -32002, show(e));
    return true;
  });
  console.log(`${label} resources: ${resources.length} listed, read (cached, template, unknown: -32002)`);

  const { prompts } = await client.listPrompts();
  const explain = prompts.find((p) => p.name === "explain_region");
  assert.deepEqual(explain?.arguments, [{ name: "region", description: "The region", required: true }]);
  const got = await client.getPrompt({ name: "explain_region", arguments: { region: "eu-central" } });
  assert.equal(got.messages.length, 2, show(got));
  assert.equal(got.messages[0].content.type, "resource", show(got));
  assert.equal(got.messages[0].content.resource.uri, "status://regions/eu-central", show(got));
  assert.match(got.messages[1].content.text, /eu-central/, show(got));

  const byPrompt = await client.complete({
    ref: { type: "ref/prompt", name: "explain_region" },
    argument: { name: "region", value: "us" },
  });
  assert.deepEqual(byPrompt.completion.values, ["us-east", "us-west"], show(byPrompt));
  const byTemplate = await client.complete({
    ref: { type: "ref/resource", uri: "status://regions/{region}" },
    argument: { name: "region", value: "eu-w" },
  });
  assert.deepEqual(byTemplate.completion.values, ["eu-west"], show(byTemplate));
  console.log(`${label} prompt and completions: ${show(byPrompt.completion.values)}, ${show(byTemplate.completion.values)}`);

  // A tool changes a resource: the subscribed client is told, and reads the new contents.
  let heard;
  const updated = new Promise((resolve) => {
    heard = resolve;
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (note) => heard(note.params.uri));
  await client.subscribeResource({ uri: "notes://latest" });
  const added = await client.callTool({ name: "add_note", arguments: { text: `checked by ${label}` } });
  assert.ok(!added.isError, show(added));
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no resources/updated within 10 s")), 10_000));
  assert.equal(await Promise.race([updated, timeout]), "notes://latest");
  await client.unsubscribeResource({ uri: "notes://latest" });
  const notes = await client.readResource({ uri: "notes://latest" });
  assert.equal(notes.contents[0].text.split("\n")[0], `checked by ${label}`, show(notes));
  console.log(`${label} notes://latest: updated, heard, read again`);
}

let client;
try {
  client = await connect();
  console.log(`${label} connected to ${show(client.getServerVersion())}`);
  if (option("--cases")) {
    await casesSuite(client, option("--cases"));
  } else if (option("--example")) {
    await exampleSuite(client, option("--example"));
  } else {
    throw new Error("no suite given (--cases FILE or --example DEAD_URL)");
  }
  await client.close();
  console.log(`${label} OK`);
  process.exit(0);
} catch (e) {
  console.error(`${label} FAIL: ${e?.stack ?? e}`);
  try {
    await client?.close();
  } catch {}
  process.exit(1);
}
