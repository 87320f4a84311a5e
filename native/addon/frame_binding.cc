// SPDX-License-Identifier: Apache-2.0
// Frame codec bindings. Batch calls move many frames per N-API crossing: frame fields travel in
// Uint32Array records, payloads stay in the caller's bytes (offsets, not copies).
#include <memory>

#include "addon.h"

extern "C" {
#include "zkb_frame.h"
}

namespace zkb {

// Layout of one record in the descriptor arrays shared with src/native/addon_backend.ts.
enum : size_t {
    REC_FLAGS = 0,  // kind | more << 8 | (payload in spill buffer) << 16
    REC_REQUEST_ID, //
    REC_COMMAND,    //
    REC_STATUS,     //
    REC_FRAG_INDEX, //
    REC_OFFSET,     // payload offset in the chunk (or in the spill buffer)
    REC_LENGTH,     // payload length
    REC_SIZE = 8    // one spare slot keeps records 32-byte aligned
};

static zkb_frame FrameFromRecord(const uint32_t *rec) {
    zkb_frame f{};
    f.kind = static_cast<uint8_t>(rec[REC_FLAGS] & 0xFFu);
    f.more = static_cast<uint8_t>((rec[REC_FLAGS] >> 8) & 1u);
    f.request_id = rec[REC_REQUEST_ID];
    f.command = static_cast<uint16_t>(rec[REC_COMMAND]);
    f.status = static_cast<uint16_t>(rec[REC_STATUS]);
    f.frag_index = static_cast<uint16_t>(rec[REC_FRAG_INDEX]);
    f.length = rec[REC_LENGTH];
    return f;
}

// encodeBatch(out, outOffset, records: Uint32Array, count, payloads: Uint8Array) -> end offset.
// Record i's payload is payloads[rec.offset .. rec.offset + rec.length).
static Napi::Value EncodeBatch(const Napi::CallbackInfo &info) {
    Bytes out = ArgBytes(info[0]);
    size_t pos = info[1].As<Napi::Number>().Uint32Value();
    const uint32_t *recs = info[2].As<Napi::Uint32Array>().Data();
    size_t count = info[3].As<Napi::Number>().Uint32Value();
    Bytes payloads = ArgBytes(info[4]);
    for (size_t i = 0; i < count; i++) {
        const uint32_t *rec = recs + i * REC_SIZE;
        zkb_frame f = FrameFromRecord(rec);
        long n =
            zkb_frame_encode(&f, payloads.data + rec[REC_OFFSET], out.data + pos, out.size - pos);
        if (n < 0) {
            ThrowCodecError(info.Env(), "ERR_NATIVE_ENCODE", "frame does not fit the output");
            return info.Env().Undefined();
        }
        pos += static_cast<size_t>(n);
    }
    return Napi::Number::New(info.Env(), static_cast<double>(pos));
}

// A streaming decoder owned by a JS object; its buffer holds one partial frame.
class Decoder : public Napi::ObjectWrap<Decoder> {
  public:
    static Napi::Function Define(Napi::Env env) {
        return DefineClass(env, "NativeDecoder",
                           {InstanceMethod<&Decoder::Decode>("decode"),
                            InstanceMethod<&Decoder::Reset>("reset"),
                            InstanceMethod<&Decoder::Pending>("pending"),
                            InstanceMethod<&Decoder::Stats>("stats")});
    }

    // new NativeDecoder(maxPayload)
    explicit Decoder(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Decoder>(info) {
        uint32_t max_payload = info[0].As<Napi::Number>().Uint32Value();
        size_t cap = zkb_frame_size(max_payload);
        buf_ = std::make_unique<uint8_t[]>(cap);
        if (zkb_decoder_init(&dec_, buf_.get(), cap, max_payload) != ZKB_OK)
            ThrowCodecError(info.Env(), "ERR_NATIVE_ARGUMENT", "max payload out of range");
    }

  private:
    // decode(chunk, offset, records: Uint32Array, spill: Uint8Array, meta: Uint32Array) -> count
    // Decodes from chunk[offset..] until the input is used up, the records are full, or the
    // spill buffer (payloads of frames completed inside the decoder's own buffer) cannot take
    // one more maximal frame. meta receives [count, new offset, spill bytes used, 1 when the
    // decoder stopped for want of input (else call again)].
    Napi::Value Decode(const Napi::CallbackInfo &info) {
        Bytes chunk = ArgBytes(info[0]);
        size_t offset = info[1].As<Napi::Number>().Uint32Value();
        Napi::Uint32Array recs_arr = info[2].As<Napi::Uint32Array>();
        Bytes spill = ArgBytes(info[3]);
        uint32_t *meta = info[4].As<Napi::Uint32Array>().Data();
        uint32_t *recs = recs_arr.Data();
        size_t max_records = recs_arr.ElementLength() / REC_SIZE;

        const uint8_t *in = chunk.data + offset;
        size_t in_len = chunk.size - offset;
        size_t count = 0, spilled = 0;
        uint32_t starved = 0;
        zkb_frame f;
        while (count < max_records && spill.size - spilled >= dec_.max_payload) {
            if (!zkb_decoder_next(&dec_, &in, &in_len, &f)) {
                starved = 1;
                break;
            }
            uint32_t *rec = recs + count * REC_SIZE;
            bool inside = f.payload >= chunk.data && f.payload < chunk.data + chunk.size;
            if (f.length == 0)
                inside = true;
            if (inside) {
                rec[REC_OFFSET] = f.length ? static_cast<uint32_t>(f.payload - chunk.data) : 0;
            } else {
                memcpy(spill.data + spilled, f.payload, f.length);
                rec[REC_OFFSET] = static_cast<uint32_t>(spilled);
                spilled += f.length;
            }
            rec[REC_FLAGS] = f.kind | (uint32_t)f.more << 8 | (uint32_t)(!inside) << 16;
            rec[REC_REQUEST_ID] = f.request_id;
            rec[REC_COMMAND] = f.command;
            rec[REC_STATUS] = f.status;
            rec[REC_FRAG_INDEX] = f.frag_index;
            rec[REC_LENGTH] = f.length;
            count++;
        }
        meta[0] = static_cast<uint32_t>(count);
        meta[1] = static_cast<uint32_t>(in - chunk.data);
        meta[2] = static_cast<uint32_t>(spilled);
        meta[3] = starved;
        return Napi::Number::New(info.Env(), static_cast<double>(count));
    }

    Napi::Value Reset(const Napi::CallbackInfo &info) {
        zkb_decoder_reset(&dec_);
        return info.Env().Undefined();
    }

    Napi::Value Pending(const Napi::CallbackInfo &info) {
        return Napi::Number::New(info.Env(), static_cast<double>(zkb_decoder_pending(&dec_)));
    }

    // stats(out: Float64Array(6)): frames, garbage, header, version, oversize, crc.
    Napi::Value Stats(const Napi::CallbackInfo &info) {
        double *out = info[0].As<Napi::Float64Array>().Data();
        const zkb_decoder_stats &s = dec_.stats;
        out[0] = static_cast<double>(s.frames);
        out[1] = static_cast<double>(s.garbage_bytes);
        out[2] = static_cast<double>(s.header_errors);
        out[3] = static_cast<double>(s.version_errors);
        out[4] = static_cast<double>(s.oversize_errors);
        out[5] = static_cast<double>(s.crc_errors);
        return info.Env().Undefined();
    }

    zkb_decoder dec_{};
    std::unique_ptr<uint8_t[]> buf_;
};

void InitFrame(Napi::Env env, Napi::Object exports) {
    exports.Set("encodeBatch", Napi::Function::New(env, EncodeBatch, "encodeBatch"));
    exports.Set("NativeDecoder", Decoder::Define(env));
}

} // namespace zkb
