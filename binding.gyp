{
  "targets": [
    {
      "target_name": "zkbridge",
      "sources": [
        "native/addon/addon.cc",
        "native/addon/crc_binding.cc",
        "native/addon/frame_binding.cc",
        "<!@(node scripts/core_sources.mjs)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-O3", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17"]
    }
  ]
}
