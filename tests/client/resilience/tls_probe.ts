/**
 * Child process of the TLS test: connects with TLS but without trusting any CA and prints
 * `connected` or the error's name. Run with and without `--unsafely-ignore-certificate-errors`.
 *
 * @module
 */

import { openExecutor } from "./support.ts";

const port = Number(Deno.args[0]);
try {
  const executor = await openExecutor({
    endpoint: { hostname: "localhost", port },
    tls: {},
    reconnection: false,
  });
  await executor.close();
  console.log("connected");
} catch (error) {
  const cause = (error as Error).cause as Error | undefined;
  console.log(`${(error as Error).name} ${cause?.name ?? ""}`);
}
