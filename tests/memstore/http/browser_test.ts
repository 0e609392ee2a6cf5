import assert from "node:assert/strict";
import { write } from "../../../examples/writer.ts";
import { chromiumMissing, openPage } from "./support/chromium.ts";
import { call, postEvents, startHttpStore } from "./support/http.ts";

const missing = chromiumMissing();
if (missing !== null) {
  console.log(`Skipping the stream-browser test: ${missing}`);
}

/** Where the screenshot goes: $ARTIFACTS_DIR, else .ci/artifacts (gitignored). */
const ARTIFACTS = Deno.env.get("ARTIFACTS_DIR") ??
  new URL("../../../.ci/artifacts", import.meta.url).pathname;

Deno.test({
  name:
    'Chromium shows the writer\'s player_created {"name":"Gil"} at /web/index.html#/streams/adventure, and new events live',
  ignore: missing !== null,
  async fn() {
    await using store = await startHttpStore();
    await write(store.url);
    await using page = await openPage(`${store.httpUrl}/web/index.html#/streams/adventure`);
    await page.waitForText(["player_created", '{"name":"Gil"}'], 20_000);
    const html = await page.html();
    assert.ok(html.includes("player_created"));
    assert.ok(html.includes('{"name":"Gil"}'));
    // A later write reaches the open page through its long-poll.
    await postEvents(store, "adventure", [{ eventType: "player_moved", data: { to: "north" } }]);
    await page.waitForText(["player_moved", '{"to":"north"}'], 20_000);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const png = await page.screenshot();
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    await Deno.writeFile(`${ARTIFACTS}/stream-browser-adventure.png`, png);
  },
});

Deno.test({
  name:
    "Chromium shows a link event as a link to its target stream, with the target's body and metadata",
  ignore: missing !== null,
  async fn() {
    await using store = await startHttpStore();
    await postEvents(store, "adventure", [{
      eventType: "player_created",
      data: { name: "Gil" },
      metadata: { by: "writer" },
    }]);
    await postEvents(store, "heroes", [{ eventType: "$>", data: "0@adventure" }]);
    await using page = await openPage(`${store.httpUrl}/web/index.html#/streams/heroes`);
    await page.waitForText([
      "link to 0@adventure",
      "player_created",
      '{"name":"Gil"}',
      '"by": "writer"',
    ], 20_000);
    const href = await page.run(`document.querySelector(".linkto a").getAttribute("href")`);
    assert.equal(href, "#/streams/adventure");
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await Deno.writeFile(`${ARTIFACTS}/stream-browser-link.png`, await page.screenshot());
  },
});

Deno.test({
  name: "Chromium pages a long stream: Older shows the previous 20 events, Newer goes back",
  ignore: missing !== null,
  async fn() {
    await using store = await startHttpStore();
    await postEvents(
      store,
      "long",
      Array.from({ length: 45 }, (_, i) => ({ eventType: `step-${i}`, data: { i } })),
    );
    await using page = await openPage(`${store.httpUrl}/web/index.html#/streams/long`);
    await page.waitForText(["step-44", "step-25"], 20_000);
    const rows = () =>
      page.run(`[...document.querySelectorAll("td .type")].map((e) => e.textContent)`);
    assert.equal((await rows() as string[]).length, 20);
    await page.run(`document.querySelectorAll(".pager button")[1].click()`);
    await page.waitForText(["step-24", "step-5", "back to the newest events"], 20_000);
    const older = await rows() as string[];
    assert.deepEqual([older[0], older[19], older.length], ["step-24", "step-5", 20]);
    await page.run(`document.querySelectorAll(".pager button")[0].click()`);
    await page.waitForText(["step-44"], 20_000);
  },
});

Deno.test({
  name:
    "Chromium on a stream that does not exist yet says so, then shows its first event when it is written",
  ignore: missing !== null,
  async fn() {
    await using store = await startHttpStore();
    await using page = await openPage(`${store.httpUrl}/web/index.html#/streams/later`);
    await page.waitForText(["has no events yet"], 20_000);
    await postEvents(store, "later", [{ eventType: "finally_here", data: { ok: true } }]);
    await page.waitForText(["finally_here", '{"ok":true}'], 20_000);
    // Deleting it while the page is open is shown, not retried forever.
    await call(store, "DELETE", "/streams/later", { headers: { "es-harddelete": "true" } });
    await page.waitForText(["was deleted"], 20_000);
  },
});

Deno.test({
  name:
    "Chromium at #/streams asks for credentials, then lists recently changed streams from $all and follows new ones",
  ignore: missing !== null,
  async fn() {
    await using store = await startHttpStore();
    await postEvents(store, "orders-7", [{ eventType: "order_placed", data: { total: 3 } }]);
    await using page = await openPage(`${store.httpUrl}/web/index.html#/streams`);
    await page.waitForText(["Sign in", "needs an admin account"], 20_000);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await Deno.writeFile(`${ARTIFACTS}/stream-browser-login.png`, await page.screenshot());
    await page.run(`(() => {
      document.querySelector("input[type=password]").value = "changeit";
      document.querySelectorAll("form")[1].requestSubmit();
    })()`);
    await page.waitForText([
      "Recently changed streams",
      "orders-7",
      "order_placed",
      "Signed in as admin",
    ], 20_000);
    // The list follows $all: a stream written now shows up without a reload.
    await postEvents(store, "invoices-1", [{ eventType: "invoice_sent", data: {} }]);
    await page.waitForText(["invoices-1", "invoice_sent"], 20_000);
    await Deno.writeFile(`${ARTIFACTS}/stream-browser-streams.png`, await page.screenshot());
  },
});
