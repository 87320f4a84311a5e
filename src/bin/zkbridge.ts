#!/usr/bin/env node
/**
 * The `zkbridge` command line. Subcommands grow with the project; each lives in src/cli/.
 * Errors are one line on stderr; exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { CERT_HELP, certCommand } from '../cli/cert_commands.js';
import { DEVICE_HELP, deviceCommand } from '../cli/device_commands.js';
import { emulatorCommand } from '../cli/emulator.js';
import { selfcheck } from '../cli/selfcheck.js';
import { UsageError } from '../cli/usage.js';

const USAGE = `usage: zkbridge <command> [options]

commands:
  emulator run|start|stop|status   run an emulated device in the foreground or background ('zkbridge emulator help')
  selfcheck [--json]   check the checksums and frame codec on every backend, with timings
  help                 show this text

${DEVICE_HELP}

${CERT_HELP}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'emulator':
      return emulatorCommand(rest);
    case 'info':
    case 'random':
    case 'keys':
    case 'sign':
    case 'verify':
    case 'foreign':
      return deviceCommand(command, rest);
    case 'csr':
    case 'cert':
      return certCommand(command, rest);
    case 'selfcheck':
      return selfcheck(rest.includes('--json'));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command '${command}' (see 'zkbridge help')`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError &&
        'code' in error &&
        String(error.code).startsWith('ERR_PARSE_ARGS'));
    console.error(`zkbridge: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = usage ? 2 : 1;
  },
);
