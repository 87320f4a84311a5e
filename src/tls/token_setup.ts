/**
 * First-time set-up of the PKCS#11 token over the device protocol, for programs that have no
 * PKCS#11 tool at hand (the demo, tests): label, SO PIN and user PIN in one call.
 *
 * @packageDocumentation
 */
import { Command, UserType } from '../protocol/constants.generated.js';
import type { Device } from '../provider/index.js';

/** What a new token gets. */
export interface TokenSetup {
  label: string;
  soPin: string;
  pin: string;
}

/**
 * Initializes the token (destroying its objects; the device's key slots stay) and sets the
 * user PIN, as `C_InitToken` + `C_Login(SO)` + `C_InitPIN` would.
 *
 * @example
 * ```ts
 * await initToken(device, { label: 'demo', soPin: '87654321', pin: '1234' });
 * ```
 */
export async function initToken(device: Device, setup: TokenSetup): Promise<void> {
  const so = new TextEncoder().encode(setup.soPin);
  await device.call(Command.TOKEN_INIT, { so_pin: so, label: setup.label });
  const login = await device.call(Command.TOKEN_LOGIN, { user_type: UserType.SO, pin: so });
  const ticket = login['ticket'] as Uint8Array;
  try {
    await device.call(Command.TOKEN_INIT_PIN, {
      ticket,
      pin: new TextEncoder().encode(setup.pin),
    });
  } finally {
    await device.call(Command.TOKEN_LOGOUT, { ticket });
  }
}
