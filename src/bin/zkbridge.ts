#!/usr/bin/env node
/**
 * The `zkbridge` command line. Subcommands grow with the project; each lives in src/cli/.
 * Errors are one line on stderr; exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { UsageError } from '../cli/usage.js';

// Each subcommand's modules load only when it runs: a `zkbridge emulator run` (started often, by
// supervisors and the embedded mode) does not pay for certificates or WebCrypto.

async function usage(): Promise<string> {
  const [{ DEVICE_HELP }, { CERT_HELP }, { PKCS11_HELP }] = await Promise.all([
    import('../cli/device_commands.js'),
    import('../cli/cert_commands.js'),
    import('../cli/pkcs11_commands.js'),
  ]);
  return `usage: zkbridge <command> [options]

commands:
  emulator run|start|stop|status   run an emulated device in the foreground or background ('zkbridge emulator help')
  emulator tamper|loop|battery|temp|power|comms|cut-lock-tab|reboot|move-host|tap|accel|led|sim-status
                       simulate the world around the emulated device, and show its LED (emulator only)
  demo [--model M]     the end-to-end demo on an embedded emulator (default hsm6): device key,
                       CSR, local CA, mTLS from Node with the HSM key, JWT, pkcs11-tool listing
  selfcheck [--json]   check the checksums and frame codec on every backend, with timings
  help                 show this text

${DEVICE_HELP}

${CERT_HELP}

${PKCS11_HELP}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'emulator':
      return (await import('../cli/emulator.js')).emulatorCommand(rest);
    case 'info':
    case 'random':
    case 'keys':
    case 'sign':
    case 'verify':
    case 'foreign':
      return (await import('../cli/device_commands.js')).deviceCommand(command, rest);
    case 'csr':
    case 'cert':
      return (await import('../cli/cert_commands.js')).certCommand(command, rest);
    case 'pkcs11':
      return (await import('../cli/pkcs11_commands.js')).pkcs11Command(rest);
    case 'demo':
      return (await import('../cli/demo.js')).demoCommand(rest);
    case 'selfcheck':
      return (await import('../cli/selfcheck.js')).selfcheck(rest.includes('--json'));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(await usage());
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
