// SPDX-License-Identifier: Apache-2.0
// Shared declarations of the N-API glue. The TypeScript facade (src/native/addon_backend.ts)
// validates every argument; this layer converts types and calls native/core, nothing more.
#ifndef ZKB_ADDON_H
#define ZKB_ADDON_H

#include <napi.h>

namespace zkb {

// Per-environment state (one per main thread or worker), so the addon is worker-safe.
struct AddonData {
    Napi::FunctionReference error_class; // the JS NativeCodecError class, set by init()
    Napi::FunctionReference decoder_ctor;
};

// Throws a NativeCodecError(message, code) built from the JS class; never a parsed string.
void ThrowCodecError(Napi::Env env, const char *code, const char *message);

Napi::Object Register(Napi::Env env, Napi::Object exports);
void InitCrc(Napi::Env env, Napi::Object exports);
void InitFrame(Napi::Env env, Napi::Object exports);

// Bytes of a Uint8Array/Buffer argument (the facade guarantees the type).
struct Bytes {
    uint8_t *data;
    size_t size;
};
inline Bytes ArgBytes(const Napi::Value &v) {
    Napi::Uint8Array a = v.As<Napi::Uint8Array>();
    return Bytes{a.Data(), a.ByteLength()};
}

} // namespace zkb

#endif
