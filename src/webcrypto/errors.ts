/**
 * WebCrypto rejections: `DOMException`s with the names the Web Cryptography API specifies, and
 * the device error (when there is one) kept as `cause`.
 *
 * @packageDocumentation
 */

/** The DOMException names the Web Cryptography API uses. */
export type DomErrorName =
  | 'NotSupportedError'
  | 'InvalidAccessError'
  | 'DataError'
  | 'OperationError'
  | 'SyntaxError'
  | 'QuotaExceededError'
  | 'TypeMismatchError';

/**
 * A DOMException named `name`, with `cause` set when given (a {@link DeviceError} for failures on
 * the device).
 *
 * @example
 * ```ts
 * throw domError('InvalidAccessError', 'the key cannot sign');
 * ```
 */
export function domError(name: DomErrorName, message: string, cause?: unknown): DOMException {
  const error = new DOMException(message, name);
  if (cause !== undefined)
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true });
  return error;
}
