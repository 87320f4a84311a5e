/**
 * `@peculiar/x509`, loaded after the `reflect-metadata` polyfill its dependency injection
 * container needs (the library throws at load time without it). This is the one place that
 * imports the library: every module of `src/x509` takes it from here, so the polyfill is always
 * evaluated first. Nothing else global is touched: the library's default crypto provider is
 * never set, and every call that needs WebCrypto is given one explicitly.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';

export * as x509 from '@peculiar/x509';
