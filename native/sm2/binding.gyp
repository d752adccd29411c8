{
  "targets": [
    {
      "target_name": "sm2",
      "sources": ["sm2.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"],
      "conditions": [
        # A node built with its own OpenSSL (nodejs.org, NodeSource) exports libcrypto's symbols and
        # ships its headers (include/node/openssl): the addon uses that same library, the one
        # node's crypto uses. A node linked to the system's libcrypto (Debian's own nodejs) ships
        # no OpenSSL headers: the addon links the system's libcrypto (libssl-dev) instead.
        ["node_shared_openssl=='true'", { "libraries": ["-lcrypto"] }]
      ]
    }
  ]
}
