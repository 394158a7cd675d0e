import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port.js';

/**
 * A real Mosquitto on a free loopback port with its stock settings: only the listener and, with `users`,
 * password login are set — its default queue limit (1,000 messages per offline session), no persistence
 * (a restart loses sessions and queued messages) — because that is what a cloud team starts with and what
 * the confirmation loop must survive. `persistence: true` keeps sessions across stop()/start() in a temp dir.
 */
export class Mosquitto {
  readonly dir = mkdtempSync(join(tmpdir(), 'x05-mosquitto-'));
  private proc: ChildProcess | undefined;
  output = '';

  private constructor(
    readonly port: number,
    private readonly users?: Record<string, string>,
    private readonly persistence = false,
    private readonly extra: readonly string[] = [],
  ) {}

  /**
   * With `users`, anonymous clients are refused and only these name/password pairs may connect; `extra`
   * lines are added to the configuration (a benchmark sizing queues as config/mosquitto.conf does).
   */
  static async start(
    opts: { users?: Record<string, string>; persistence?: boolean; extra?: string[] } = {},
  ): Promise<Mosquitto> {
    const m = new Mosquitto(await freePort(), opts.users, opts.persistence, opts.extra);
    await m.start();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    const passwords = join(this.dir, 'passwd');
    if (this.users) {
      writeFileSync(passwords, '');
      for (const [user, password] of Object.entries(this.users)) {
        execFileSync('mosquitto_passwd', ['-b', passwords, user, password]);
      }
    }
    writeFileSync(
      conf,
      [
        `listener ${this.port} 127.0.0.1`,
        // as root Mosquitto drops to the `mosquitto` user, which cannot write its save file in our temp dir
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        ...(this.users ? ['allow_anonymous false', `password_file ${passwords}`] : ['allow_anonymous true']),
        ...(this.persistence ? ['persistence true', `persistence_location ${this.dir}/`] : []),
        ...this.extra,
        'log_dest stderr',
        'log_type error',
        'log_type warning',
      ].join('\n') + '\n',
    );
    const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    this.proc = proc;
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`mosquitto exited with ${String(code)}: ${this.output}`);
    });
    await Promise.race([waitForPort(this.port), exited]);
    exited.catch(() => {});
  }

  /** Stops the broker (SIGTERM, so it writes its persistence file as a real restart would). */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGTERM');
    await once(p, 'exit');
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
