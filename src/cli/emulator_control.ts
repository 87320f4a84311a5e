/**
 * `zkbridge emulator tamper|loop|battery|temp|power|comms|cut-lock-tab|reboot|move-host|tap|accel|
 * led|sim-status`: simulated events and the LED, through the emulator's control socket
 * (`<device socket>.control`, src/emulator/control/). Emulator-only: no device client reaches it.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { controlRequest } from '../emulator/control/client.js';
import { CONTROL_LED_SECONDS, controlSocketPath } from '../emulator/control/protocol.js';
import { defaultSocketPath } from '../emulator/paths.js';
import { UsageError } from './usage.js';

/** The control commands, for `zkbridge emulator help`. */
export const CONTROL_HELP = `simulation (through the control socket <socket>.control; emulator only):
  tamper <channel>             a perimeter breach on channel 0 or 1 (the loop opens and closes)
  loop <channel> open|closed   opens (breaches) or closes a perimeter loop and leaves it so
  battery <volts>              a battery reading (0 = battery removed)
  temp <celsius>               a CPU temperature reading
  power stable|unstable        supply power in tolerance, or a brown-out
  comms ok|failed              the link to the host works, or fails
  cut-lock-tab                 Zymkey4: the lock tab is cut
  reboot [--reason R]          the host reboots (DEVICE_RESET); R: host (default), power, simulated
  move-host <fingerprint>      reboots on another host (--none: without a host service)
  tap <axis><sign> [force]     a tap on x, y or z, e.g. z- or x+ 1.5 (force in g, default 3)
  accel <x> <y> <z>            an accelerometer reading in g (flat and still: 0 0 1)
  led [--seconds N]            the LED pattern and its timeline (█ on, · off, per 100 ms)
  led --follow [--seconds N]   the LED as it goes, one cell per 100 ms (Ctrl-C, or N seconds)
  sim-status                   binding, LED, perimeter, monitors and power as the emulator sees them
options of these: --socket PATH (the device socket, as above), --control PATH, --json`;

const OPTIONS = {
  socket: { type: 'string' },
  control: { type: 'string' },
  json: { type: 'boolean' },
  seconds: { type: 'string' },
  none: { type: 'boolean' },
  reason: { type: 'string' },
  follow: { type: 'boolean' },
} as const;

/** Longest `led --follow --seconds`, one day. */
const FOLLOW_MAX_SECONDS = 86_400;

/** Default force of `tap`, in g. */
const DEFAULT_TAP_G = 3;

/** Commands this module runs. */
export const CONTROL_COMMANDS: ReadonlySet<string> = new Set([
  'tamper',
  'loop',
  'battery',
  'temp',
  'power',
  'comms',
  'cut-lock-tab',
  'reboot',
  'move-host',
  'tap',
  'accel',
  'led',
  'sim-status',
]);

function finite(text: string | undefined, what: string): number {
  const n = text === undefined || text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`${what} must be a number (got '${text ?? ''}')`);
  return n;
}

function channel(text: string | undefined): number {
  if (text !== '0' && text !== '1') {
    throw new UsageError(`channel must be 0 or 1 (got '${text ?? ''}')`);
  }
  return Number(text);
}

function choice(text: string | undefined, yes: string, no: string): boolean {
  if (text === yes) return true;
  if (text === no) return false;
  throw new UsageError(`expected ${yes} or ${no} (got '${text ?? ''}')`);
}

/** The control request of a command line; throws UsageError for a wrong one. */
function request(
  sub: string,
  args: string[],
  values: {
    seconds?: string | undefined;
    none?: boolean | undefined;
    follow?: boolean | undefined;
    reason?: string | undefined;
  },
): Record<string, unknown> {
  const want = (n: number): void => {
    if (args.length !== n) {
      throw new UsageError(
        `'emulator ${sub}' takes ${n === 0 ? 'no' : n} argument${n === 1 ? '' : 's'} (got ${args.length})`,
      );
    }
  };
  if (values.seconds !== undefined && sub !== 'led')
    throw new UsageError('only led takes --seconds');
  if (values.follow === true && sub !== 'led') throw new UsageError('only led takes --follow');
  if (values.none === true && sub !== 'move-host')
    throw new UsageError('only move-host takes --none');
  if (values.reason !== undefined && sub !== 'reboot')
    throw new UsageError('only reboot takes --reason');
  switch (sub) {
    case 'tamper':
      want(1);
      return { op: 'tamper', channel: channel(args[0]) };
    case 'loop':
      want(2);
      return { op: 'loop', channel: channel(args[0]), closed: choice(args[1], 'closed', 'open') };
    case 'battery':
      want(1);
      return { op: 'battery', volts: finite(args[0], 'volts') };
    case 'temp':
      want(1);
      return { op: 'temp', celsius: finite(args[0], 'celsius') };
    case 'power':
      want(1);
      return { op: 'power', stable: choice(args[0], 'stable', 'unstable') };
    case 'comms':
      want(1);
      return { op: 'comms', ok: choice(args[0], 'ok', 'failed') };
    case 'move-host':
      if (values.none === true) {
        want(0);
        return { op: 'move-host', fingerprint: null };
      }
      want(1);
      if (args[0] === '') throw new UsageError('the fingerprint must not be empty');
      return { op: 'move-host', fingerprint: args[0] };
    case 'led': {
      want(0);
      if (values.follow === true) {
        if (values.seconds === undefined) return { op: 'led', follow: null };
        const total = finite(values.seconds, '--seconds');
        if (total < CONTROL_LED_SECONDS.min || total > FOLLOW_MAX_SECONDS) {
          throw new UsageError(
            `--seconds with --follow must be in ${CONTROL_LED_SECONDS.min}..${FOLLOW_MAX_SECONDS}`,
          );
        }
        return { op: 'led', follow: total };
      }
      if (values.seconds === undefined) return { op: 'led' };
      const seconds = finite(values.seconds, '--seconds');
      if (seconds < CONTROL_LED_SECONDS.min || seconds > CONTROL_LED_SECONDS.max) {
        throw new UsageError(
          `--seconds must be in ${CONTROL_LED_SECONDS.min}..${CONTROL_LED_SECONDS.max}`,
        );
      }
      return { op: 'led', seconds };
    }
    case 'sim-status':
      want(0);
      return { op: 'status' };
    case 'reboot':
      want(0);
      return values.reason === undefined
        ? { op: 'reboot' }
        : { op: 'reboot', reason: values.reason };
    case 'tap': {
      if (args.length < 1 || args.length > 2) {
        throw new UsageError(
          `'emulator tap' takes an axis and sign, and a force (got ${args.length})`,
        );
      }
      const m = /^([xyz])([+-])$/u.exec(args[0] ?? '');
      if (!m)
        throw new UsageError(`tap: expected x+, x-, y+, y-, z+ or z- (got '${args[0] ?? ''}')`);
      const force = args[1] === undefined ? DEFAULT_TAP_G : finite(args[1], 'force');
      return { op: 'tap', axis: m[1], direction: m[2] === '+' ? 1 : -1, force };
    }
    case 'accel':
      want(3);
      return { op: 'accel', g: args.map((a) => finite(a, 'acceleration')) };
    default:
      want(0);
      return { op: sub };
  }
}

/** Cell width of the LED strip, ms. */
const CELL_MS = 100;
/** Cells per line of the LED strip (5 s). */
const CELLS_PER_LINE = 50;

/**
 * The LED timeline as text: one character per 100 ms, `█` when the LED is on for any of it,
 * `·` when off throughout; 5 s per line, each line led by its start offset.
 *
 * @example
 * ```ts
 * ledStrip([{ on: true, ms: 100 }, { on: false, ms: 200 }]); // ['  0.0s █··']
 * ```
 */
export function ledStrip(intervals: readonly { on: boolean; ms: number }[]): string[] {
  const total = intervals.reduce((sum, i) => sum + i.ms, 0);
  const cells = Math.ceil(total / CELL_MS);
  const lit = new Array<boolean>(cells).fill(false);
  let t = 0;
  for (const interval of intervals) {
    if (interval.on && interval.ms > 0) {
      const first = Math.floor(t / CELL_MS);
      const last = Math.ceil((t + interval.ms) / CELL_MS) - 1;
      for (let c = first; c <= last && c < cells; c++) lit[c] = true;
    }
    t += interval.ms;
  }
  const lines: string[] = [];
  for (let start = 0; start < cells; start += CELLS_PER_LINE) {
    const strip = lit
      .slice(start, start + CELLS_PER_LINE)
      .map((on) => (on ? '█' : '·'))
      .join('');
    lines.push(`${((start * CELL_MS) / 1000).toFixed(1).padStart(5)}s ${strip}`);
  }
  return lines;
}

function describeLed(led: Record<string, unknown>): string {
  const parts = [`pattern ${String(led['pattern'])}`, `mode ${String(led['mode'])}`];
  if (led['mode'] === 'FLASH') {
    parts.push(
      `on ${String(led['onMs'])} ms, off ${String(led['offMs'])} ms, flashes ${String(led['numFlashes'])}`,
    );
  }
  if (led['pattern'] === 'FATAL') {
    parts.push(`code ${String(led['fatalMain'])}/${String(led['fatalSub'])}`);
  }
  return parts.join(', ');
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function printStatus(answer: Record<string, unknown>): void {
  const binding = record(answer['binding']);
  const flags = ['bound', 'locked', 'production', 'cannotBind', 'tabCut', 'hostPresent']
    .map((k) => `${k} ${String(binding[k])}`)
    .join(', ');
  console.log(`model: ${String(answer['model'])}`);
  console.log(`binding: ${flags}`);
  console.log(`led: ${describeLed(record(answer['led']))}`);
  const perimeter = record(answer['perimeter']);
  const channels = Array.isArray(perimeter['channels']) ? perimeter['channels'] : [];
  for (const c of channels.map(record)) {
    console.log(
      `perimeter ${String(c['channel'])}: ${c['closed'] === true ? 'closed' : 'open'}, ` +
        `breached ${String(c['breached'])}, actions ${String(c['actions'])}`,
    );
  }
  console.log(`perimeter events pending: ${String(perimeter['pendingEvents'])}`);
  const battery = record(answer['battery']);
  const temperature = record(answer['temperature']);
  const power = record(answer['power']);
  console.log(
    `battery: ${String(battery['volts'])} V (threshold ${String(battery['threshold'])} V)`,
  );
  console.log(
    `cpu temperature: ${String(temperature['celsius'])} °C ` +
      `(range ${String(temperature['low'])}..${String(temperature['high'])} °C)`,
  );
  console.log(
    `power: supply ${power['supplyStable'] === true ? 'stable' : 'unstable'}, ` +
      `host comms ${power['hostComms'] === true ? 'ok' : 'failed'}`,
  );
  const accel = record(answer['accelerometer']);
  const list = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(' ') : '?');
  console.log(
    `accelerometer: ${list(accel['g'])} g, sensitivity ${list(accel['sensitivity'])} %, ` +
      `taps ${String(accel['taps'])}`,
  );
  const boot = record(answer['supervisedBoot']);
  const files = Array.isArray(boot['files']) ? boot['files'].map(record) : [];
  const check = record(boot['lastCheck']);
  console.log(
    `supervised boot: policy ${String(boot['policy'])}, ${files.length} file(s)` +
      (boot['lastCheck'] === null || boot['lastCheck'] === undefined
        ? ''
        : `, last check ${String(check['status'])}`) +
      (boot['held'] === null || boot['held'] === undefined ? '' : ', HELD IN RESET'),
  );
  const quirks = Array.isArray(answer['quirks']) ? answer['quirks'] : [];
  if (quirks.length > 0) console.log(`firmware quirks reproduced: ${quirks.join(', ')}`);
  const destroyed = record(answer['destroyed']);
  console.log(
    answer['destroyed'] === null
      ? 'destroyed: no'
      : `destroyed: yes (${String(destroyed['cause'])})`,
  );
}

/**
 * `led --follow`: asks for the LED's next 100 ms ten times a second and prints one cell each,
 * 5 s per line, with a line naming the pattern whenever it changes; until Ctrl-C, or for
 * `seconds`.
 */
async function followLed(socket: string, seconds: number | undefined): Promise<void> {
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  const end = seconds === undefined ? Infinity : Date.now() + seconds * 1000;
  let shown = '';
  let cells = 0;
  const out = process.stdout;
  try {
    while (!stopped && Date.now() < end) {
      const tick = Date.now();
      const answer = await controlRequest(socket, { op: 'led', seconds: CELL_MS / 1000 });
      if (!answer.ok) throw new Error(`emulator led: ${answer.error}`);
      const now = describeLed(record(answer['led']));
      if (now !== shown) {
        if (cells % CELLS_PER_LINE !== 0) out.write('\n');
        out.write(`led: ${now}\n`);
        shown = now;
        cells = 0;
      }
      const timeline = record(answer['timeline']);
      const intervals = Array.isArray(timeline['intervals'])
        ? (timeline['intervals'] as { on: boolean; ms: number }[])
        : [];
      if (cells % CELLS_PER_LINE === 0) {
        out.write(`${((cells * CELL_MS) / 1000).toFixed(1).padStart(5)}s `);
      }
      out.write(intervals.some((i) => i.on && i.ms > 0) ? '█' : '·');
      cells += 1;
      if (cells % CELLS_PER_LINE === 0) out.write('\n');
      await sleep(Math.max(0, CELL_MS - (Date.now() - tick)));
    }
  } finally {
    process.off('SIGINT', stop);
    if (cells % CELLS_PER_LINE !== 0) out.write('\n');
  }
}

/** Runs one control command; resolves with the exit code. */
export async function emulatorControlCommand(sub: string, argv: string[]): Promise<number> {
  // Negative numbers (temp -20) are arguments, not options.
  const negatives: string[] = [];
  const args = argv.map((a) => (/^-\d|^-\.\d/u.test(a) ? `\0${negatives.push(a) - 1}` : a));
  const { values, positionals } = parseArgs({
    args,
    options: OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  const restored = positionals.map((p) =>
    p.startsWith('\0') ? (negatives[Number(p.slice(1))] ?? p) : p,
  );
  const body = request(sub, restored, values);
  const socket = resolve(values.control ?? controlSocketPath(values.socket ?? defaultSocketPath()));
  if (body['follow'] !== undefined) {
    const total = body['follow'];
    await followLed(socket, typeof total === 'number' ? total : undefined);
    return 0;
  }
  const answer = await controlRequest(socket, body);
  if (!answer.ok) throw new Error(`emulator ${sub}: ${answer.error}`);
  if (values.json === true) {
    console.log(JSON.stringify(answer));
    return 0;
  }
  if (sub === 'led') {
    const led = record(answer['led']);
    const timeline = record(answer['timeline']);
    const intervals = Array.isArray(timeline['intervals'])
      ? (timeline['intervals'] as { on: boolean; ms: number }[])
      : [];
    console.log(`led: ${describeLed(led)}`);
    for (const line of ledStrip(intervals)) console.log(line);
    return 0;
  }
  if (sub === 'sim-status') {
    printStatus(answer);
    return 0;
  }
  if (sub === 'tap' && answer['detected'] !== true) {
    console.log('tap: not detected (below the axis sensitivity, or the device is not running)');
    return 0;
  }
  console.log(`ok: ${sub}`);
  return 0;
}
