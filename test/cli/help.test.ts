import t from 'tap';
import { runCli } from '../helpers/cli.js';

t.test('forwarder --help gives the write order of src/forwarder/batch-pipeline.ts', async (t) => {
  const r = await runCli(['forwarder', '--help']);
  t.equal(r.code, 0);
  // commander wraps at 80 columns
  const text = r.stdout.replace(/\s+/g, ' ');
  // the pipeline inserts the Checkins, then the Raw Logs carrying their final status and Checkin link
  t.match(text, /Employee Checkin, then its Attendance Raw Log/);
  t.notMatch(text, /Raw Log, then Employee Checkin/);
});

t.test('demo --help: the defaults the README gives, --follow and --verbose', async (t) => {
  const r = await runCli(['demo', '--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /--records <n> .*\(default: 2000\)/);
  t.match(r.stdout, /--users <n> .*\(default: 50\)/);
  t.match(r.stdout, /--follow /);
  t.match(r.stdout, /--verbose /);
});
