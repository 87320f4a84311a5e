// SPDX-License-Identifier: Apache-2.0
// CRC bindings: one call per buffer, synchronous (microseconds of work; no thread hop).
#include "addon.h"

extern "C" {
#include "zkb_crc.h"
}

namespace zkb {

// crc32c(bytes, prev) and its variants: prev is an unsigned 32-bit number (facade-checked).
template <uint32_t (*Fn)(uint32_t, const uint8_t *, size_t)>
static Napi::Value Crc32(const Napi::CallbackInfo &info) {
    Bytes b = ArgBytes(info[0]);
    uint32_t prev = info[1].As<Napi::Number>().Uint32Value();
    return Napi::Number::New(info.Env(), Fn(prev, b.data, b.size));
}

// The hardware path executes SSE4.2/PCLMUL instructions: refuse rather than fault without them.
static Napi::Value Crc32Hw(const Napi::CallbackInfo &info) {
    if (!zkb_crc32c_hw_available()) {
        ThrowCodecError(info.Env(), "ERR_CRC_HW_UNAVAILABLE", "this CPU has no SSE4.2/PCLMUL");
        return info.Env().Undefined();
    }
    return Crc32<zkb_crc32c_hw>(info);
}

static Napi::Value Crc16Atecc(const Napi::CallbackInfo &info) {
    Bytes b = ArgBytes(info[0]);
    uint16_t prev = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
    return Napi::Number::New(info.Env(), zkb_crc16_atecc(prev, b.data, b.size));
}

static Napi::Value Crc32cImpl(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), zkb_crc32c_impl());
}

static Napi::Value Crc32cHwAvailable(const Napi::CallbackInfo &info) {
    return Napi::Boolean::New(info.Env(), zkb_crc32c_hw_available() != 0);
}

static Napi::Value Crc32cForcePortable(const Napi::CallbackInfo &info) {
    zkb_crc32c_force_portable(info[0].As<Napi::Boolean>().Value() ? 1 : 0);
    return info.Env().Undefined();
}

void InitCrc(Napi::Env env, Napi::Object exports) {
    exports.Set("crc32c", Napi::Function::New(env, Crc32<zkb_crc32c>, "crc32c"));
    exports.Set("crc32cPortable",
                Napi::Function::New(env, Crc32<zkb_crc32c_portable>, "crc32cPortable"));
    exports.Set("crc32cHw", Napi::Function::New(env, Crc32Hw, "crc32cHw"));
    exports.Set("crc16Atecc", Napi::Function::New(env, Crc16Atecc, "crc16Atecc"));
    exports.Set("crc32cImpl", Napi::Function::New(env, Crc32cImpl, "crc32cImpl"));
    exports.Set("crc32cHwAvailable", Napi::Function::New(env, Crc32cHwAvailable));
    exports.Set("crc32cForcePortable", Napi::Function::New(env, Crc32cForcePortable));
}

} // namespace zkb
