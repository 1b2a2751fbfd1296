// Watches a page in a real headless Chromium, in real time, through the DevTools protocol over
// a pipe (no extra packages, any Node version): prints `READY <epoch ms>` once the page's DOM
// contains the first text, then `SEEN <epoch ms>` once it contains the second, and exits; after
// the time limit it prints `TIMEOUT` with the last DOM and exits with 1.
//
// usage: node watch_page.mjs URL READY_TEXT WANTED_TEXT LIMIT_MS
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, readyText, wantedText, limitMs] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "sturdy-watch-"));
const browser = spawn(
  "chromium",
  [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--remote-debugging-pipe",
    `--user-data-dir=${profile}`,
    "about:blank",
  ],
  { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] },
);
const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];

let nextId = 1;
const waiting = new Map();
let buffered = "";
fromBrowser.on("data", (chunk) => {
  buffered += chunk.toString("utf8");
  let end;
  while ((end = buffered.indexOf("\0")) >= 0) {
    const message = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    const waiter = waiting.get(message.id);
    if (waiter) {
      waiting.delete(message.id);
      message.error ? waiter.reject(new Error(JSON.stringify(message.error))) : waiter.resolve(message.result);
    }
  }
});

function send(method, params = {}, sessionId) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + "\0");
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

function finish(code) {
  browser.kill("SIGKILL");
  try {
    rmSync(profile, { recursive: true, force: true });
  } catch {}
  process.exit(code);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const { targetId } = await send("Target.createTarget", { url });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const deadline = Date.now() + Number(limitMs);
  let ready = false;
  let dom = "";
  while (Date.now() < deadline) {
    const { result } = await send(
      "Runtime.evaluate",
      { expression: "document.documentElement.outerHTML", returnByValue: true },
      sessionId,
    );
    dom = String(result.value ?? "");
    if (!ready && dom.includes(readyText)) {
      ready = true;
      console.log(`READY ${Date.now()}`);
    }
    if (ready && dom.includes(wantedText)) {
      console.log(`SEEN ${Date.now()}`);
      finish(0);
    }
    await sleep(50);
  }
  console.log(`TIMEOUT ${JSON.stringify(dom)}`);
  finish(1);
}

main().catch((e) => {
  console.log(`TIMEOUT ${e}`);
  finish(1);
});
