/**
 * A minimal headless-Chromium driver over the DevTools protocol (a WebSocket, no npm package):
 * launch Debian's `chromium` with a fresh profile, open a page, wait until its text contains
 * what a test expects (a MutationObserver in the page, not a sleep), read the DOM and take a
 * screenshot. Only loopback is involved: the browser is started with networking extras off.
 *
 * @module
 */

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags the browser runs with here (no sandbox as root, no GPU, no background traffic). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--window-size=1280,860",
];

/** Why the browser test cannot run here, or null when Chromium is installed. */
export function chromiumMissing(): string | null {
  try {
    return Deno.statSync(CHROMIUM).isFile ? null : `${CHROMIUM} is not a file`;
  } catch {
    return `${CHROMIUM} is not installed (apt-get install -y chromium)`;
  }
}

/** A page opened in a headless browser. */
export interface BrowserPage extends AsyncDisposable {
  /** Resolves once the page's text contains every string, or rejects after `timeoutMs`. */
  waitForText(texts: readonly string[], timeoutMs: number): Promise<void>;
  /** The page's HTML now. */
  html(): Promise<string>;
  /** Runs a script in the page (an expression; a promise is awaited) and returns its value. */
  run(expression: string): Promise<unknown>;
  /** A PNG screenshot of the viewport. */
  screenshot(): Promise<Uint8Array>;
}

interface CdpReply {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** Starts Chromium on `url` and attaches to the page. */
export async function openPage(url: string): Promise<BrowserPage> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      ...CHROMIUM_FLAGS,
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let endpoint: string | null = null;
  while (endpoint === null) {
    const { value, done } = await stderr.read();
    if (done) throw new Error(`Chromium exited before it listened: ${seen}`);
    seen += value;
    endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1] ?? null;
  }
  // Keep draining stderr so the browser never blocks on a full pipe.
  const drained = (async () => {
    while (!(await stderr.read()).done) { /* discard */ }
  })();
  const socket = new WebSocket(endpoint);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`Cannot open the DevTools socket ${endpoint}`));
  });
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  socket.onmessage = (message) => {
    const reply = JSON.parse(String(message.data)) as CdpReply;
    if (reply.id === undefined) return;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error) waiter?.reject(new Error(reply.error.message));
    else waiter?.resolve(reply.result ?? {});
  };
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) => {
    const id = nextId++;
    socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise<Record<string, unknown>>((resolve, reject) =>
      pending.set(id, { resolve, reject })
    );
  };
  const { targetId } = await send("Target.createTarget", { url: "about:blank" }) as {
    targetId: string;
  };
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }) as {
    sessionId: string;
  };
  // Page.navigate answers once the new document is committed, so evaluations run in it.
  const navigated = await send("Page.navigate", { url }, sessionId) as { errorText?: string };
  if (navigated.errorText) {
    throw new Error(`Chromium could not load ${url}: ${navigated.errorText}`);
  }
  const evaluate = async (expression: string): Promise<unknown> => {
    const reply = await send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }, sessionId) as {
      result: { value?: unknown };
      exceptionDetails?: { exception?: { description?: string }; text: string };
    };
    if (reply.exceptionDetails) {
      throw new Error(reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text);
    }
    return reply.result.value;
  };
  return {
    async waitForText(texts, timeoutMs) {
      const wanted = JSON.stringify(texts);
      await evaluate(`new Promise((resolve, reject) => {
        const wanted = ${wanted};
        const ready = () => document.body && wanted.every((t) => document.body.innerText.includes(t));
        if (ready()) return resolve(true);
        const observer = new MutationObserver(() => { if (ready()) { observer.disconnect(); clearTimeout(timer); resolve(true); } });
        observer.observe(document, { subtree: true, childList: true, characterData: true });
        const timer = setTimeout(() => { observer.disconnect(); reject(new Error("The page never showed " + wanted + "; it shows: " + (document.body ? document.body.innerText : ""))); }, ${timeoutMs});
      })`);
    },
    run: evaluate,
    async html() {
      return String(await evaluate("document.documentElement.outerHTML"));
    },
    async screenshot() {
      const { data } = await send("Page.captureScreenshot", { format: "png" }, sessionId) as {
        data: string;
      };
      return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    },
    async [Symbol.asyncDispose]() {
      try {
        await send("Browser.close").catch(() => {});
      } finally {
        socket.close();
        child.kill("SIGKILL");
        await child.status;
        await drained.catch(() => {});
        await Deno.remove(profile, { recursive: true }).catch(() => {});
      }
    },
  };
}
