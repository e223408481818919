// Test helpers: the real luminad as a child process, free ports, and an
// Art-Net (ArtDmx) listener on 127.0.0.1. Everything has a deadline.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls fn() (sync or async) until it returns a truthy value; throws after timeoutMs.
export async function waitFor(fn, { timeoutMs = 15000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

export function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Latest ArtDmx data per universe (15-bit port-address), and a frame count.
export class ArtNetListener {
  constructor() {
    this.socket = dgram.createSocket('udp4');
    this.universes = new Map();
    this.frames = 0;
    this.socket.on('message', (msg) => this.onPacket(msg));
  }

  start() {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(0, '127.0.0.1', () => resolve(this.socket.address().port));
    });
  }

  onPacket(msg) {
    if (msg.length < 18 || msg.toString('latin1', 0, 8) !== 'Art-Net\0') return;
    if (msg.readUInt16LE(8) !== 0x5000) return; // ArtDmx only (not ArtPoll, ...)
    const universe = msg.readUInt16LE(14) & 0x7fff;
    const length = msg.readUInt16BE(16);
    this.universes.set(universe, Array.from(msg.subarray(18, 18 + length)));
    this.frames += 1;
  }

  // Channels 1..n of the latest frame of `universe` (1-based like DMX).
  channels(universe = 0) {
    return this.universes.get(universe) ?? null;
  }

  close() {
    this.socket.close();
  }
}

// The caller's environment without LUMINA_* overrides: the config file rules.
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LUMINA_')));
}

// luminad with a config file in a fresh temp dir; log written to logPath.
export class Daemon {
  constructor({ binary, config, dir, logPath }) {
    this.binary = binary;
    this.dir = dir;
    this.configPath = path.join(dir, 'luminad.json');
    this.logPath = logPath;
    this.config = config;
    this.child = null;
    fs.writeFileSync(this.configPath, JSON.stringify(config, null, 2));
  }

  get port() {
    return this.config.server.port;
  }

  get url() {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start() {
    fs.writeFileSync(this.configPath, JSON.stringify(this.config, null, 2));
    const log = fs.openSync(this.logPath, 'a');
    this.child = spawn(this.binary, ['--config', this.configPath], {
      cwd: this.dir,
      stdio: ['ignore', log, log],
      env: { ...cleanEnv(), JACK_NO_START_SERVER: '1' },
    });
    fs.closeSync(log);
    const child = this.child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`luminad exited with ${child.exitCode}; see ${this.logPath}`);
        const res = await fetch(`${this.url}health`);
        return res.ok; // /health is open even when a token is required
      },
      { timeoutMs: 30000, intervalMs: 200, what: 'luminad /health' },
    );
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited, sleep(10000).then(() => null)]);
    if (!stopped) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
