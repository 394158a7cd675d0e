/**
 * compose.yaml's cloud side against what it points at: the forwarder runs the CLI this repository builds,
 * with the config, CA file and health endpoint where config/cloud.example.yaml and the broker's config put
 * them. Docker itself is not needed: these are the facts `docker compose up` would trip over.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { imageRuntime } from '../helpers/node-runtime.js';
import { repoRoot as root } from '../helpers/repo.js';

const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Service {
  build?: string;
  entrypoint?: string[];
  command?: string[];
  volumes?: string[];
  env_file?: string;
  depends_on?: string[];
  networks?: { default?: { aliases?: string[] } };
  healthcheck?: { test: string[] };
}
const compose = parse(read('compose.yaml')) as { services: Record<string, Service> };
const forwarder = compose.services.forwarder!;
const mosquitto = compose.services.mosquitto!;
/** Container path → host path of a service's `host:container[:ro]` mounts. */
const mounts = (s: Service) => new Map((s.volumes ?? []).map((v) => [v.split(':')[1]!, v.split(':')[0]!]));

t.test(
  'the forwarder runs the built CLI from this image with plain node: no small-board V8 flags',
  async (t) => {
    t.equal(forwarder.build, '.');
    t.same(forwarder.entrypoint, ['node', imageRuntime(join(root, 'Dockerfile')).script]);
    t.same(forwarder.depends_on, ['mosquitto']);
    t.equal(forwarder.env_file, '.env', 'secrets from the environment, not from cloud.yaml');
  },
);

t.test('its config is the one mounted, and the forwarder command takes it', async (t) => {
  const [command, flag, config] = forwarder.command ?? [];
  t.equal(command, 'forwarder');
  t.equal(flag, '--config');
  t.equal(mounts(forwarder).get(config!), './cloud.yaml');
  const r = await runCli(['forwarder', '--help']);
  t.equal(r.code, 0, r.output);
  t.match(r.output, /--config <file>/);
});

t.test("the broker's CA is mounted where the example config's ca_file expects it", async (t) => {
  const caFile = /^\s*#?\s*ca_file: (\S+)$/m.exec(read('config/cloud.example.yaml'))?.[1];
  t.equal(caFile, '/etc/x05-gateway/broker-ca.pem');
  t.equal(mounts(forwarder).get(caFile!), './broker/certs/ca.crt');
});

t.test("the health check asks the forwarder's ops endpoint on the example config's port", async (t) => {
  const listen = (parse(read('config/cloud.example.yaml')) as { ops: { listen: string } }).ops.listen;
  const probe = forwarder.healthcheck?.test.join(' ') ?? '';
  t.match(probe, `fetch('http://${listen}/healthz')`);
});

t.test('the broker runs the shipped config and is reachable by its certificate name', async (t) => {
  t.equal(mounts(mosquitto).get('/mosquitto/config/mosquitto.conf'), './config/mosquitto.conf');
  t.ok(mosquitto.networks?.default?.aliases?.length, 'an alias for the name in the server certificate');
});
