#!/usr/bin/env node
/**
 * The `zkbridge` command line. Subcommands grow with the project; each lives in src/cli/.
 */
import { selfcheck } from '../cli/selfcheck.js';

const USAGE = `usage: zkbridge <command> [options]

commands:
  selfcheck [--json]   check the checksums and frame codec on every backend, with timings
  help                 show this text`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'selfcheck':
      return selfcheck(rest.includes('--json'));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`zkbridge: unknown command '${command}' (see 'zkbridge help')`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
