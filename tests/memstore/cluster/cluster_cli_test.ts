import assert from "node:assert/strict";
import {
  clusterStatus,
  parseClusterFlags,
  runClusterCommand,
} from "../../../lib/memstore/cluster/cluster_cli.ts";
import { startMemoryCluster } from "../../../lib/memstore/mod.ts";

Deno.test("parseClusterFlags() reads defaults and flags, and names what is wrong", {
  permissions: "none",
}, () => {
  assert.deepEqual(parseClusterFlags([]), {
    nodes: 3,
    host: "127.0.0.1",
    gossipShape: "20",
    insecure: false,
  });
  assert.deepEqual(
    parseClusterFlags(["--nodes", "5", "--gossip-shape", "5", "--insecure", "--host", "::1"]),
    { nodes: 5, host: "::1", gossipShape: "5", insecure: true },
  );
  assert.throws(() => parseClusterFlags(["--nodes", "0"]), /Invalid node count "0"/);
  assert.throws(() => parseClusterFlags(["--gossip-shape", "23"]), /Invalid gossip shape "23"/);
  assert.throws(() => parseClusterFlags(["--nodes"]), /needs a value/);
  assert.throws(() => parseClusterFlags(["--nope"]), /Unknown flag "--nope"/);
  assert.throws(() => parseClusterFlags(["--tls-key", "k.pem"]), /both --tls-cert and --tls-key/);
});

Deno.test("runClusterCommand() kills, restarts and reports the cluster's status", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  const [n0, n1] = cluster.nodes;
  assert.match(await runClusterCommand(cluster, "status"), /^node 0 Leader alive tcp:/);
  const afterKill = await runClusterCommand(cluster, "kill-leader");
  assert.match(afterKill, new RegExp(`^node 0 Leader dead tcp://127\\.0\\.0\\.1:${n0.tcpPort} `));
  assert.match(afterKill, new RegExp(`\nnode 1 Leader alive tcp://127\\.0\\.0\\.1:${n1.tcpPort} `));
  assert.match(await runClusterCommand(cluster, "restart 0"), /^node 0 Follower alive/);
  assert.match(await runClusterCommand(cluster, "kill 2"), /\nnode 2 Follower dead/);
  assert.equal(
    await runClusterCommand(cluster, "kill 9"),
    "Invalid node index 9: the cluster has nodes 0 to 2",
  );
  assert.equal(await runClusterCommand(cluster, "kill"), 'Invalid command "kill"');
  assert.match(await runClusterCommand(cluster, "dance"), /^Unknown command "dance"/);
  assert.equal(await runClusterCommand(cluster, ""), clusterStatus(cluster));
});

Deno.test("deno task cluster serves gossip, takes commands on stdin and stops on SIGTERM", async () => {
  const cli = new URL("../../../lib/memstore/cluster/cluster_cli.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "--nodes", "3"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  const readUntil = async (pattern: RegExp): Promise<RegExpMatchArray> => {
    while (true) {
      const match = output.match(pattern);
      if (match) return match;
      const { value, done } = await stdout.read();
      if (done) throw new Error(`No ${pattern} in: ${output}`);
      output += value;
    }
  };
  const seeds = (await readUntil(/gossip seeds: (\S+)\n/))[1].split(",");
  assert.equal(seeds.length, 3);
  const gossip = await (await fetch(`${seeds[2]}/gossip?format=json`)).json();
  assert.deepEqual(gossip.members.map((m: { state: string }) => m.state), [
    "Leader",
    "Follower",
    "Follower",
  ]);

  const stdin = child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode("kill-leader\n"));
  await readUntil(/node 1 Leader alive/);
  const after = await (await fetch(`${seeds[2]}/gossip?format=json`)).json();
  assert.deepEqual(
    after.members.map((m: { state: string; isAlive: boolean }) => [m.state, m.isAlive]),
    [["Leader", false], ["Leader", true], ["Follower", true]],
  );

  child.kill("SIGTERM");
  await readUntil(/stopped/);
  await stdin.close().catch(() => {});
  while (!(await stdout.read()).done) { /* drain */ }
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 0);
  assert.match(output, /SIGTERM received, stopping/);
});
