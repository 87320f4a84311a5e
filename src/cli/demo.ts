/**
 * `zkbridge demo`: the whole story on a machine with nothing configured. It starts the embedded
 * emulator, creates a device key, makes a CSR, has a local CA issue a certificate, runs an mTLS
 * request from Node with the HSM key, signs and verifies a JWT with another HSM key, lists the
 * token with pkcs11-tool, and prints one short block per step with its time. Everything it
 * starts or writes is undone before it returns, whatever happened.
 *
 * The steps up to the mTLS requests are in demo_steps.ts; the JWT and pkcs11-tool steps are here.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { SignJWT, jwtVerify } from 'jose';
import { MODEL_NAMES, type ModelName } from '../emulator/models.js';
import { slotKeyId } from '../tls/index.js';
import { install, uninstall, type CryptoKeyPair } from '../webcrypto/index.js';
import {
  DEVICE_CN,
  createDeviceKey,
  issueCertificates,
  makeCsr,
  mtlsRequest,
  need,
  randomPin,
  refusedRequest,
  resumedRequest,
  setUpToken,
  startEmulator,
  type DemoState,
  type DemoStep,
} from './demo_steps.js';
import { pkcs11LibraryPath } from './pkcs11_commands.js';
import { UsageError } from './usage.js';

function shorten(text: string, head = 28, tail = 10): string {
  return text.length <= head + tail + 1 ? text : `${text.slice(0, head)}…${text.slice(-tail)}`;
}

// Steps 9 and 10 (1-8 are in demo_steps.ts).

const jwt: DemoStep = {
  title: 'Sign and verify a JWT with another HSM key',
  async run(s) {
    // install() makes globalThis.crypto dispatch device keys, which is what jose uses.
    const crypto = await install({ address: need(s.address, 'the device address') });
    s.cleanups.push({ what: 'uninstall the global WebCrypto', run: () => uninstall() });
    let pair: CryptoKeyPair & { slot: number };
    let made: string;
    if (s.factoryKeys === true) {
      pair = { ...(await crypto.keys.get(1)), slot: 1 };
      made = 'the factory P-256 key in slot 1 (crypto.keys.get(1))';
    } else {
      pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ])) as CryptoKeyPair & { slot: number };
      made = `new P-256 key in slot ${pair.slot} (crypto.subtle.generateKey, extractable: false)`;
    }
    const { privateKey, publicKey, slot } = pair;
    s.jwtSlot = slot;
    const token = await new SignJWT({ sub: DEVICE_CN, scope: 'telemetry:write' })
      .setProtectedHeader({ alg: 'ES256', kid: `slot-${slot}` })
      .setIssuer('zkbridge-demo')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const { payload } = await jwtVerify(token, publicKey, { issuer: 'zkbridge-demo' });
    const { iat, exp, ...rest } = payload;
    const claims = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const lifetime = iat !== undefined && exp !== undefined ? `, valid ${exp - iat} s` : '';
    return [
      made,
      `ES256 JWT ${shorten(token)} (${token.length} chars${lifetime})`,
      `verified with the public key; claims: ${claims}`,
    ];
  },
};

function onPath(command: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

interface ListedObject {
  kind: string;
  label: string;
  id: string;
  type: string;
  usage: string;
}

/** The objects of a `pkcs11-tool --list-objects` listing. */
function objects(listing: string): ListedObject[] {
  const field = (block: string, name: string): string =>
    new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
  return listing
    .split(/\n(?=\S)/)
    .filter((b) => /Object;/.test(b))
    .map((b) => ({
      kind: /^(\w+ \w+) Object/.exec(b)?.[1] ?? '?',
      type: /Object;\s*(.*)$/m.exec(b)?.[1]?.trim().replace(/\s+/g, ' ') ?? '',
      label: field(b, 'label'),
      id: field(b, 'ID'),
      usage: field(b, 'Usage'),
    }));
}

const pkcs11Tool: DemoStep = {
  title: "List the token with OpenSC's pkcs11-tool",
  async run(s) {
    if (!onPath('pkcs11-tool')) {
      return ['skipped: pkcs11-tool not installed (apt-get install opensc)'];
    }
    const module = pkcs11LibraryPath();
    const env = { ...process.env, ZKBRIDGE_DEVICE: need(s.address, 'the device address') };
    const run = async (...args: string[]): Promise<string> =>
      (
        await promisify(execFile)('pkcs11-tool', ['--module', module, ...args], {
          env,
          timeout: 60_000,
        })
      ).stdout;
    const slots = await run('--list-slots');
    // The slot description ends with the device address, cut at 64 characters: leave it out.
    const slotLine =
      /^Slot \d+.*$/m
        .exec(slots)?.[0]
        ?.replace(/ at .*$/, '')
        .trim() ?? '(no slot)';
    const field = (name: string): string =>
      new RegExp(`^\\s*${name}\\s*:\\s*(.*)$`, 'm').exec(slots)?.[1]?.trim() ?? '?';
    const listed = objects(await run('--login', '--pin', s.pin, '--list-objects'));
    const lines = [
      `${slotLine}: token "${field('token label')}", model ${field('token model')}`,
      `${listed.length} objects (${listed.filter((o) => o.kind === 'Private Key').length} ` +
        "private keys, the device's slots); the demo's:",
    ];
    const ours: [number, string][] = [
      [need(s.tlsSlot, 'the device key'), 'the mTLS key'],
      [need(s.jwtSlot, 'the JWT key'), 'the JWT key'],
    ];
    for (const [slot, role] of ours) {
      const id = Buffer.from(slotKeyId(slot)).toString('hex');
      const mine = listed.filter((o) => o.id === id);
      const key = mine.find((o) => o.kind === 'Private Key');
      const pub = mine.find((o) => o.kind === 'Public Key');
      if (key === undefined || pub === undefined) {
        throw new Error(`pkcs11-tool did not list both objects of slot ${slot} (ID ${id})`);
      }
      const bits = /(\d+) bits/.exec(pub.type)?.[1] ?? '?';
      lines.push(
        `  ${key.label}  ID ${id}  ${key.type} ${bits} bits: private key (${key.usage}) + ` +
          `public key: ${role}`,
      );
    }
    return lines;
  },
};

/** Every step, in order. */
const STEPS: readonly DemoStep[] = [
  startEmulator,
  setUpToken,
  createDeviceKey,
  makeCsr,
  issueCertificates,
  mtlsRequest,
  resumedRequest,
  refusedRequest,
  jwt,
  pkcs11Tool,
];

/** A step that takes longer than this has hung: the demo fails instead of waiting forever. */
const STEP_TIMEOUT_MS = 120_000;
const WIDTH = 72;

const bold = (text: string): string =>
  process.stdout.isTTY && process.env['NO_COLOR'] === undefined ? `\x1b[1m${text}\x1b[22m` : text;

function ms(start: number): string {
  return `${Math.round(performance.now() - start)} ms`;
}

function header(index: number, title: string, time: string): string {
  const head = `${String(index + 1).padStart(2)}. ${title}`;
  return `${bold(head)}${' '.repeat(Math.max(1, WIDTH - head.length - time.length))}${time}`;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  let text = `${error.message}${typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : ''}`;
  const cause = error.cause;
  if (cause instanceof Error && !text.includes(cause.message)) text += `; cause: ${cause.message}`;
  return text;
}

function withTimeout<T>(work: Promise<T>, title: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`'${title}' did not finish within ${STEP_TIMEOUT_MS / 1000} s`));
    }, STEP_TIMEOUT_MS);
  });
  // A step that is abandoned may still fail later: that is no longer news.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Undoes everything the steps started, last first; returns the failures. */
async function cleanUp(state: DemoState): Promise<string[]> {
  const failures: string[] = [];
  // Taken out at once: a second clean-up (a signal during the first) finds nothing left to do.
  for (const { what, run } of state.cleanups.splice(0).reverse()) {
    try {
      await run();
    } catch (error) {
      failures.push(`${what}: ${describe(error)}`);
    }
  }
  return failures;
}

/** Runs `zkbridge demo [--model M]`; returns the exit code. */
export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help === true) {
    console.log(
      'usage: zkbridge demo [--model zymkey4|hsm4|hsm6|scm]\n\n' +
        'Runs the end-to-end demo against an embedded emulator (nothing configured is used) and\n' +
        'prints each step with its time. Exit code 0 when every step did what it should.',
    );
    return 0;
  }
  const model = (values.model ?? 'hsm6') as ModelName;
  if (!(MODEL_NAMES as readonly string[]).includes(model)) {
    throw new UsageError(`unknown model '${model}' (one of ${MODEL_NAMES.join(', ')})`);
  }

  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'zkbridge-demo-'));
  // Nothing configured on this machine may interfere: the PKCS#11 token (loaded into this process
  // by the TLS engine, and by pkcs11-tool) reads ZKBRIDGE_DEVICE (set when the emulator runs) and
  // then a config file; point the latter at a file that does not exist.
  process.env['ZKBRIDGE_PKCS11_CONF'] = join(dir, 'no-pkcs11.conf');
  const state: DemoState = {
    model,
    dir,
    cleanups: [
      {
        what: 'remove the temporary directory',
        run: () => rm(dir, { recursive: true, force: true }),
      },
    ],
    label: 'zkbridge-demo',
    soPin: randomPin(),
    pin: randomPin(),
  };

  console.log(
    `zkbridge demo: an emulated ${model.toUpperCase()} (nothing configured, no hardware), a local CA,\n` +
      'mTLS from Node with an HSM key, a JWT, and the PKCS#11 token seen by pkcs11-tool\n',
  );
  let failed: { title: string; index: number; error: unknown } | undefined;
  let skipped = 0;
  let problems: string[] = [];
  // Interrupted (Ctrl-C): undo what was started, then end as the signal would have. The step
  // under way fails as its resources go; that is not reported.
  let interruptedBy: NodeJS.Signals | undefined;
  const interrupted = (signal: NodeJS.Signals): void => {
    if (interruptedBy !== undefined) return;
    interruptedBy = signal;
    console.error(`\nzkbridge demo: ${signal}: cleaning up`);
    void cleanUp(state).then((failures) => {
      for (const failure of failures) console.error(`zkbridge demo: clean-up failed: ${failure}`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  try {
    for (const [index, step] of STEPS.entries()) {
      const t0 = performance.now();
      let lines: string[];
      try {
        lines = await withTimeout(step.run(state), step.title);
      } catch (error) {
        if (interruptedBy !== undefined) break;
        console.log(header(index, step.title, `FAILED after ${ms(t0)}`));
        failed = { title: step.title, index, error };
        break;
      }
      console.log(header(index, step.title, ms(t0)));
      for (const line of lines) console.log(`    ${line}`);
      if (lines[0]?.startsWith('skipped:') === true) skipped++;
    }
  } finally {
    if (interruptedBy !== undefined) await new Promise(() => undefined); // the handler exits
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    const t0 = performance.now();
    problems = await cleanUp(state);
    const cleanUpTime = ms(t0);
    if (failed !== undefined) {
      console.error(
        `\nzkbridge demo: step ${failed.index + 1} '${failed.title}' failed: ${describe(failed.error)}`,
      );
    }
    for (const problem of problems) console.error(`zkbridge demo: clean-up failed: ${problem}`);
    if (failed === undefined && problems.length === 0) {
      const done = STEPS.length - skipped;
      console.log(
        `\n${done === STEPS.length ? 'All' : 'OK:'} ${done} steps done${skipped > 0 ? ` (${skipped} skipped)` : ''} ` +
          `in ${ms(started)}; clean-up ${cleanUpTime}: emulator stopped, temporary files removed.`,
      );
    } else if (problems.length === 0) {
      console.error(
        `zkbridge demo: cleaned up (${cleanUpTime}): emulator stopped, temporary files removed`,
      );
    }
  }
  return failed === undefined && problems.length === 0 ? 0 : 1;
}
