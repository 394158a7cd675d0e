import { pino } from 'pino';
import t from 'tap';
import { startPushTerminal } from '../../src/sim/push-terminal.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { freePort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const SN = 'X05-PUSH-CMD';

t.test(
  'push-command: an operator re-queries a day from a push terminal through the running gateway',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const collector = await PunchCollector.start(broker.url);
    t.teardown(() => collector.close());
    const [pushPort, opsPort] = [await freePort(), await freePort()];
    const config = writeSiteConfig({
      dir: tempDir(t),
      site: 'cmd',
      brokerUrl: broker.url,
      devices: [],
      extra: {
        push: { host: '127.0.0.1', port: pushPort, devices: [{ serial: SN, timezone: 'UTC' }] },
        ops: { listen: `127.0.0.1:${opsPort}` },
      },
    });
    const gw = spawnCli(['gateway', '--config', config]);
    t.teardown(() => stopCli(gw, 'SIGKILL'));
    await waitForOutput(gw, /ops endpoint/);
    const term = await startPushTerminal({
      url: `http://127.0.0.1:${pushPort}`,
      serial: SN,
      seed: 3,
      records: 150,
      untilDate: '2024-05-10',
      pollMs: 100,
      retryMs: 100,
      logger: pino({ level: 'silent' }),
    });
    t.teardown(() => term.stop());
    await collector.waitFor(150);

    const day = term.records[0]!.deviceTime.slice(0, 10);
    const sameDay = term.records.filter((r) => r.deviceTime.startsWith(day)).length;
    const cli = (...args: string[]) => runCli(['push-command', ...args, '--device', SN, '--config', config]);
    const queued = await cli('query-attlog', '--from', `${day} 00:00:00`, '--to', `${day} 23:59:59`);
    t.equal(queued.code, 0, 'queued');
    t.match(
      queued.output,
      new RegExp(`queued C:1 DATA QUERY ATTLOG ${day} 00:00:00 → ${day} 23:59:59 for ${SN}`),
    );
    // asked of the ops endpoint `list` reads, not by starting a process per look
    const commands = `http://127.0.0.1:${opsPort}/push/commands?device=${SN}`;
    await until(
      'the terminal answered',
      async () => /"returnCode":0/.test(await (await fetch(commands)).text()),
      20_000,
      200,
    );
    t.match((await cli('list')).output, /C:1 DATA QUERY ATTLOG .* answered Return=0/);
    t.equal(collector.uniqueIds().size, 150, `the day (${sameDay} punches) came again and stayed one each`);

    const bad = await cli('query-attlog', '--from', '2024-02-30 00:00:00', '--to', '2024-03-01 00:00:00');
    t.equal(bad.code, 2, 'an impossible time is a usage error');
    t.match(bad.output, /command\.start: expected a real device wall time/);
    const stranger = await runCli(['push-command', 'reboot', '--device', 'NOBODY', '--config', config]);
    t.equal(stranger.code, 2);
    t.match(stranger.output, /NOBODY is not in push\.devices/);
    const noArgs = await cli('set-time');
    t.equal(noArgs.code, 2);
    t.match(noArgs.output, /set-time needs --time/);

    // a GET only reads: nothing more was queued
    const get = await fetch(commands);
    t.match(await get.json(), { device: SN, pending: [] });
  },
);
