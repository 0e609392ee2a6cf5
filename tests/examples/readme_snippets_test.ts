/**
 * Code in the README is not written twice: a block
 * marked `<!-- snippet: examples/<file> -->` must be a verbatim excerpt of that example, which
 * tests/examples/examples_test.ts runs. So the README cannot drift from code that runs.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const SNIPPET = /<!-- snippet: (\S+) -->\s*```ts\n([\s\S]*?)\n```/g;

/** Every marked snippet of a Markdown file, with the example it claims to come from. */
async function snippets(markdown: string): Promise<{ file: string; code: string }[]> {
  const text = await Deno.readTextFile(new URL(markdown, root));
  return [...text.matchAll(SNIPPET)].map(([, file, code]) => ({ file, code }));
}

for (const markdown of ["README.md"]) {
  Deno.test(`every snippet in ${markdown} is a verbatim excerpt of the example it names`, async () => {
    for (const { file, code } of await snippets(markdown)) {
      assert.match(file, /^examples\/[\w/]+\.ts$/, `${markdown}: snippet source "${file}"`);
      const source = await Deno.readTextFile(new URL(file, root));
      assert.ok(
        source.includes(code),
        `${markdown}: a snippet marked ${file} is not in that file:\n${code}`,
      );
    }
  });
}

Deno.test("README.md marks at least one snippet of each feature example", async () => {
  const files = new Set((await snippets("README.md")).map((s) => s.file));
  for (
    const example of [
      "batch_writes_and_paging.ts",
      "iter_pipeline.ts",
      "volatile_subscription.ts",
      "catch_up_subscription.ts",
      "persistent_subscription_worker.ts",
      "optimistic_concurrency.ts",
      "cluster_failover.ts",
      "tls_with_ca.ts",
      "memstore_test.ts",
      "management_users.ts",
      "writer.ts",
    ]
  ) {
    assert.ok(files.has(`examples/${example}`), `no snippet of examples/${example}`);
  }
});
