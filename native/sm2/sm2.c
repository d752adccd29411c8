/*
 * SM2 signatures (GB/T 32918.2, SM3 digest) with a signer ID, by OpenSSL's libcrypto: node's own
 * crypto signs SM2 only with an empty ID, OpenSSL itself takes any ID as the "distid" parameter.
 *
 *   privateKey(pkcs8)            -> key    an SM2 private key from PKCS#8 DER
 *   publicKey(point)             -> key    an SM2 public key from its point, 04 || x || y
 *   sign(key, message, id)       -> DER SEQUENCE { r, s }
 *   verify(key, message, sig, id)-> boolean
 *   signAsync / verifyAsync: the same on libuv's thread pool, returning a promise
 *
 * A key is an external holding an EVP_PKEY, freed when the JS value is collected. EVP_PKEYs are
 * read-only once built, so the thread pool may use one key from several threads at once.
 */
#include <node_api.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIG 80 /* SEQUENCE of two 33-byte INTEGERs fits in 72 */

static napi_value throw_error(napi_env env, const char *what) {
  char msg[256];
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e) {
    char reason[160];
    ERR_error_string_n(e, reason, sizeof reason);
    snprintf(msg, sizeof msg, "%s: %s", what, reason);
  } else {
    snprintf(msg, sizeof msg, "%s", what);
  }
  napi_throw_error(env, "ERR_SM2_NATIVE", msg);
  return NULL;
}

/* Bytes of a Uint8Array/Buffer argument. */
static int bytes_of(napi_env env, napi_value v, const unsigned char **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = p;
  return 1;
}

static void free_key(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  EVP_PKEY_free((EVP_PKEY *)data);
}

static int is_sm2(EVP_PKEY *pkey) { return EVP_PKEY_is_a(pkey, "SM2"); }

static napi_value wrap_key(napi_env env, EVP_PKEY *pkey) {
  napi_value out;
  if (napi_create_external(env, pkey, free_key, NULL, &out) != napi_ok) {
    EVP_PKEY_free(pkey);
    return throw_error(env, "cannot wrap key");
  }
  return out;
}

static napi_value js_private_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const unsigned char *der;
  size_t len;
  if (argc < 1 || !bytes_of(env, argv[0], &der, &len)) return throw_error(env, "privateKey(pkcs8: Uint8Array)");
  const unsigned char *p = der;
  EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
  if (!pkey) return throw_error(env, "cannot read the PKCS#8 key");
  if (!is_sm2(pkey)) {
    EVP_PKEY_free(pkey);
    return throw_error(env, "not an SM2 key");
  }
  return wrap_key(env, pkey);
}

/* From the point itself (04 || x || y): OpenSSL's SPKI decoder costs four times as much. */
static napi_value js_public_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const unsigned char *point;
  size_t len;
  if (argc < 1 || !bytes_of(env, argv[0], &point, &len)) return throw_error(env, "publicKey(point: Uint8Array)");
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY *pkey = NULL;
  /* The import checks that the point is on the curve. */
  int ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return throw_error(env, "not an SM2 public key");
  return wrap_key(env, pkey);
}

/* One sign or verify: everything copied in, so that it can run on another thread. */
typedef struct {
  EVP_PKEY *pkey;
  napi_ref key_ref; /* keeps the key alive while async work holds it */
  unsigned char *message;
  size_t message_len;
  unsigned char *id;
  size_t id_len;
  unsigned char sig[MAX_SIG];
  size_t sig_len;
  int verify;
  int result; /* sign: 1 done; verify: 1 valid, 0 invalid; -1 error */
  char error[200];
  napi_deferred deferred;
  napi_async_work work;
} job_t;

static void job_free(napi_env env, job_t *job) {
  if (job->key_ref) napi_delete_reference(env, job->key_ref);
  free(job->message);
  free(job->id);
  free(job);
}

static void record_error(job_t *job, const char *what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  char reason[160] = "";
  if (e) ERR_error_string_n(e, reason, sizeof reason);
  snprintf(job->error, sizeof job->error, "%s%s%s", what, e ? ": " : "", reason);
  job->result = -1;
}

/* EVP_DigestSign/VerifyInit with SM3 and the distid: Z_A = SM3(ENTL || ID || a || b || G || P). */
static void run_job(job_t *job) {
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, job->pkey, NULL);
  if (!mctx || !pctx) {
    record_error(job, "out of memory");
    goto done;
  }
  /* The ID goes on the key context before the digest starts: Z_A is computed from it. */
  if (EVP_PKEY_CTX_set1_id(pctx, job->id, job->id_len) <= 0) {
    record_error(job, "cannot set the SM2 ID");
    goto done;
  }
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  if (job->verify) {
    if (EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, job->pkey) <= 0) {
      record_error(job, "cannot start verifying");
      goto done;
    }
    int ok = EVP_DigestVerify(mctx, job->sig, job->sig_len, job->message, job->message_len);
    ERR_clear_error(); /* a bad signature leaves errors on the queue */
    job->result = ok == 1 ? 1 : 0;
  } else {
    if (EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, job->pkey) <= 0) {
      record_error(job, "cannot start signing");
      goto done;
    }
    job->sig_len = sizeof job->sig;
    if (EVP_DigestSign(mctx, job->sig, &job->sig_len, job->message, job->message_len) <= 0) {
      record_error(job, "cannot sign");
      goto done;
    }
    job->result = 1;
  }
done:
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx); /* EVP_MD_CTX_set_pkey_ctx does not take ownership */
}

/* (key, message, [signature,] id) into a job; NULL after throwing. */
static job_t *job_from_args(napi_env env, napi_callback_info info, int verify) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t want = verify ? 4 : 3;
  void *pkey = NULL;
  const unsigned char *message, *sig = NULL, *id;
  size_t message_len, sig_len = 0, id_len;
  napi_valuetype t;
  if (argc < want || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, argv[0], &pkey) != napi_ok || !bytes_of(env, argv[1], &message, &message_len) ||
      (verify && !bytes_of(env, argv[2], &sig, &sig_len)) || !bytes_of(env, argv[want - 1], &id, &id_len)) {
    throw_error(env, verify ? "verify(key, message, signature, id: Uint8Array)" : "sign(key, message, id: Uint8Array)");
    return NULL;
  }
  job_t *job = calloc(1, sizeof *job);
  if (!job) {
    throw_error(env, "out of memory");
    return NULL;
  }
  job->pkey = pkey;
  job->verify = verify;
  job->message = malloc(message_len ? message_len : 1);
  job->id = malloc(id_len ? id_len : 1);
  if (!job->message || !job->id) {
    job_free(env, job);
    throw_error(env, "out of memory");
    return NULL;
  }
  memcpy(job->message, message, message_len);
  job->message_len = message_len;
  memcpy(job->id, id, id_len);
  job->id_len = id_len;
  if (verify) {
    /* Longer than any SM2 signature: invalid, and it does not fit the buffer. */
    if (sig_len > MAX_SIG) job->sig_len = 0, job->result = 0, job->verify = 2;
    else memcpy(job->sig, sig, sig_len), job->sig_len = sig_len;
  }
  if (napi_create_reference(env, argv[0], 1, &job->key_ref) != napi_ok) {
    job_free(env, job);
    throw_error(env, "cannot reference the key");
    return NULL;
  }
  return job;
}

static void execute_job(job_t *job) {
  if (job->verify == 2) return; /* already judged: signature too long */
  run_job(job);
}

static napi_value job_result(napi_env env, job_t *job, napi_value *error) {
  napi_value out = NULL;
  *error = NULL;
  if (job->result < 0) {
    napi_value msg, code;
    napi_create_string_utf8(env, job->error, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ERR_SM2_NATIVE", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, error);
  } else if (job->verify) {
    napi_get_boolean(env, job->result == 1, &out);
  } else {
    void *data;
    napi_value ab;
    napi_create_arraybuffer(env, job->sig_len, &data, &ab);
    memcpy(data, job->sig, job->sig_len);
    napi_create_typedarray(env, napi_uint8_array, job->sig_len, ab, 0, &out);
  }
  return out;
}

static napi_value run_sync(napi_env env, napi_callback_info info, int verify) {
  job_t *job = job_from_args(env, info, verify);
  if (!job) return NULL;
  execute_job(job);
  napi_value error, out = job_result(env, job, &error);
  job_free(env, job);
  if (error) napi_throw(env, error);
  return out;
}

static napi_value js_sign(napi_env env, napi_callback_info info) { return run_sync(env, info, 0); }
static napi_value js_verify(napi_env env, napi_callback_info info) { return run_sync(env, info, 1); }

static void async_execute(napi_env env, void *data) {
  (void)env;
  execute_job((job_t *)data);
}

static void async_complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value error = NULL, out = NULL;
  if (status != napi_ok) {
    napi_value msg, code;
    napi_create_string_utf8(env, "SM2 work cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ERR_SM2_NATIVE", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &error);
  } else {
    out = job_result(env, job, &error);
  }
  if (error) napi_reject_deferred(env, job->deferred, error);
  else napi_resolve_deferred(env, job->deferred, out);
  napi_delete_async_work(env, job->work);
  job_free(env, job);
}

static napi_value run_async(napi_env env, napi_callback_info info, int verify) {
  job_t *job = job_from_args(env, info, verify);
  if (!job) return NULL;
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, verify ? "sm2.verify" : "sm2.sign", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, async_execute, async_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    job_free(env, job);
    return throw_error(env, "cannot queue SM2 work");
  }
  return promise;
}

static napi_value js_sign_async(napi_env env, napi_callback_info info) { return run_async(env, info, 0); }
static napi_value js_verify_async(napi_env env, napi_callback_info info) { return run_async(env, info, 1); }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"privateKey", NULL, js_private_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"publicKey", NULL, js_public_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sign", NULL, js_sign, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verify", NULL, js_verify, NULL, NULL, NULL, napi_enumerable, NULL},
      {"signAsync", NULL, js_sign_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyAsync", NULL, js_verify_async, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
