// SPDX-License-Identifier: Apache-2.0
// Module entry: registers the CRC and frame bindings and keeps per-environment state.
#include "addon.h"

namespace zkb {

void ThrowCodecError(Napi::Env env, const char *code, const char *message) {
    AddonData *data = env.GetInstanceData<AddonData>();
    if (data == nullptr || data->error_class.IsEmpty()) {
        Napi::Error::New(env, message).ThrowAsJavaScriptException();
        return;
    }
    Napi::Object err =
        data->error_class.New({Napi::String::New(env, message), Napi::String::New(env, code)});
    if (!env.IsExceptionPending())
        Napi::Error(env, err).ThrowAsJavaScriptException();
}

// init(NativeCodecError): hands the JS error class to native code once per environment.
static Napi::Value Init(const Napi::CallbackInfo &info) {
    AddonData *data = info.Env().GetInstanceData<AddonData>();
    data->error_class = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
}

Napi::Object Register(Napi::Env env, Napi::Object exports) {
    env.SetInstanceData(new AddonData());
    exports.Set("init", Napi::Function::New(env, Init, "init"));
    InitCrc(env, exports);
    InitFrame(env, exports);
    return exports;
}

} // namespace zkb

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
    return zkb::Register(env, exports);
}

NODE_API_MODULE(zkbridge, InitModule)
