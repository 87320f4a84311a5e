/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks our cryptoki.h against an independent PKCS#11 header: p11-kit's 2.40 pkcs11.h (Debian
 * libp11-kit-dev). The two headers cannot share a translation unit, so this file includes only
 * p11-kit's and compares with the (name, value), function-list offset and structure size
 * tables that native/pkcs11/ck_names.c compiles from ours.
 *
 * Checked by hand instead (p11-kit 0.24 lacks them or differs):
 *  - the 3.0 additions (values from the OASIS PKCS#11 3.0 headers, function order from the
 *    3.0 specification's CK_FUNCTION_LIST_3_0);
 *  - CKR_EXCEEDED_MAX_ITERATIONS..CKR_PUBLIC_KEY_INVALID, which p11-kit numbers 0x1C0-0x1C4
 *    while PKCS#11 3.0 assigns 0x1B5-0x1B9 (we follow 3.0).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#if __has_include(<p11-kit-1/p11-kit/pkcs11.h>)
#include <p11-kit-1/p11-kit/pkcs11.h>
#define HAVE_REFERENCE 1
#else
#define HAVE_REFERENCE 0
#endif

#include "test_util.h"

/* ck_names.c (declared here: its header pulls in our cryptoki.h) */
typedef struct {
    const char *name;
    unsigned long value;
} zkp_ck_name;
const zkp_ck_name *zkp_ck_constants(size_t *count);
const zkp_ck_name *zkp_ck_function_offsets(size_t *count);
const zkp_ck_name *zkp_ck_struct_sizes(size_t *count);

static const zkp_ck_name *lookup(const zkp_ck_name *t, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    }
    return NULL;
}

/* Values only our header has: 3.0 additions, and the ones p11-kit numbers differently. */
static const zkp_ck_name BY_HAND[] = {
    {"CKR_TOKEN_RESOURCE_EXCEEDED", 0x00000201UL},
    {"CKR_OPERATION_CANCEL_FAILED", 0x00000202UL},
    {"CKF_ERROR_STATE", 0x01000000UL},
    {"CKF_MESSAGE_ENCRYPT", 0x00000002UL},
    {"CKF_MESSAGE_DECRYPT", 0x00000004UL},
    {"CKF_MESSAGE_SIGN", 0x00000008UL},
    {"CKF_MESSAGE_VERIFY", 0x00000010UL},
    {"CKF_MULTI_MESSAGE", 0x00000020UL},
    {"CKF_FIND_OBJECTS", 0x00000040UL},
    {"CKF_EC_F_2M", 0x00200000UL},
    {"CKF_EC_ECPARAMETERS", 0x00400000UL},
    {"CKF_EC_OID", 0x00800000UL},
    {"CKF_EC_CURVENAME", 0x04000000UL},
    {"CKF_INTERFACE_FORK_SAFE", 0x00000001UL},
    {"CKO_PROFILE", 0x00000009UL},
    {"CKK_EC_MONTGOMERY", 0x00000041UL},
    {"CK_CERTIFICATE_CATEGORY_UNSPECIFIED", 0UL},
    {"CK_CERTIFICATE_CATEGORY_TOKEN_USER", 1UL},
    {"CK_CERTIFICATE_CATEGORY_AUTHORITY", 2UL},
    {"CK_CERTIFICATE_CATEGORY_OTHER_ENTITY", 3UL},
    {"CKA_UNIQUE_ID", 0x00000004UL},
    {"CKA_PROFILE_ID", 0x00000601UL},
    {"CKM_EC_MONTGOMERY_KEY_PAIR_GEN", 0x00001056UL},
    {"CKR_EXCEEDED_MAX_ITERATIONS", 0x1B5UL},
    {"CKR_FIPS_SELF_TEST_FAILED", 0x1B6UL},
    {"CKR_LIBRARY_LOAD_FAILED", 0x1B7UL},
    {"CKR_PIN_TOO_WEAK", 0x1B8UL},
    {"CKR_PUBLIC_KEY_INVALID", 0x1B9UL},
};

/* The 3.0 functions after the 2.40 ones, in CK_FUNCTION_LIST_3_0 order. */
static const char *const FUNCTIONS_3_0[] = {
    "C_GetInterfaceList",    "C_GetInterface",        "C_LoginUser",
    "C_SessionCancel",       "C_MessageEncryptInit",  "C_EncryptMessage",
    "C_EncryptMessageBegin", "C_EncryptMessageNext",  "C_MessageEncryptFinal",
    "C_MessageDecryptInit",  "C_DecryptMessage",      "C_DecryptMessageBegin",
    "C_DecryptMessageNext",  "C_MessageDecryptFinal", "C_MessageSignInit",
    "C_SignMessage",         "C_SignMessageBegin",    "C_SignMessageNext",
    "C_MessageSignFinal",    "C_MessageVerifyInit",   "C_VerifyMessage",
    "C_VerifyMessageBegin",  "C_VerifyMessageNext",   "C_MessageVerifyFinal",
};

#if HAVE_REFERENCE
#define R(x)                                                                                       \
    { #x, (unsigned long)(x) }
/* Every constant of our header that p11-kit also defines (same name). */
static const zkp_ck_name REFERENCE[] = {
    R(CK_UNAVAILABLE_INFORMATION),
    R(CK_EFFECTIVELY_INFINITE),
    R(CK_INVALID_HANDLE),
    R(CKR_OK),
    R(CKR_CANCEL),
    R(CKR_HOST_MEMORY),
    R(CKR_SLOT_ID_INVALID),
    R(CKR_GENERAL_ERROR),
    R(CKR_FUNCTION_FAILED),
    R(CKR_ARGUMENTS_BAD),
    R(CKR_NO_EVENT),
    R(CKR_NEED_TO_CREATE_THREADS),
    R(CKR_CANT_LOCK),
    R(CKR_ATTRIBUTE_READ_ONLY),
    R(CKR_ATTRIBUTE_SENSITIVE),
    R(CKR_ATTRIBUTE_TYPE_INVALID),
    R(CKR_ATTRIBUTE_VALUE_INVALID),
    R(CKR_ACTION_PROHIBITED),
    R(CKR_DATA_INVALID),
    R(CKR_DATA_LEN_RANGE),
    R(CKR_DEVICE_ERROR),
    R(CKR_DEVICE_MEMORY),
    R(CKR_DEVICE_REMOVED),
    R(CKR_ENCRYPTED_DATA_INVALID),
    R(CKR_ENCRYPTED_DATA_LEN_RANGE),
    R(CKR_FUNCTION_CANCELED),
    R(CKR_FUNCTION_NOT_PARALLEL),
    R(CKR_FUNCTION_NOT_SUPPORTED),
    R(CKR_KEY_HANDLE_INVALID),
    R(CKR_KEY_SIZE_RANGE),
    R(CKR_KEY_TYPE_INCONSISTENT),
    R(CKR_KEY_NOT_NEEDED),
    R(CKR_KEY_CHANGED),
    R(CKR_KEY_NEEDED),
    R(CKR_KEY_INDIGESTIBLE),
    R(CKR_KEY_FUNCTION_NOT_PERMITTED),
    R(CKR_KEY_NOT_WRAPPABLE),
    R(CKR_KEY_UNEXTRACTABLE),
    R(CKR_MECHANISM_INVALID),
    R(CKR_MECHANISM_PARAM_INVALID),
    R(CKR_OBJECT_HANDLE_INVALID),
    R(CKR_OPERATION_ACTIVE),
    R(CKR_OPERATION_NOT_INITIALIZED),
    R(CKR_PIN_INCORRECT),
    R(CKR_PIN_INVALID),
    R(CKR_PIN_LEN_RANGE),
    R(CKR_PIN_EXPIRED),
    R(CKR_PIN_LOCKED),
    R(CKR_SESSION_CLOSED),
    R(CKR_SESSION_COUNT),
    R(CKR_SESSION_HANDLE_INVALID),
    R(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    R(CKR_SESSION_READ_ONLY),
    R(CKR_SESSION_EXISTS),
    R(CKR_SESSION_READ_ONLY_EXISTS),
    R(CKR_SESSION_READ_WRITE_SO_EXISTS),
    R(CKR_SIGNATURE_INVALID),
    R(CKR_SIGNATURE_LEN_RANGE),
    R(CKR_TEMPLATE_INCOMPLETE),
    R(CKR_TEMPLATE_INCONSISTENT),
    R(CKR_TOKEN_NOT_PRESENT),
    R(CKR_TOKEN_NOT_RECOGNIZED),
    R(CKR_TOKEN_WRITE_PROTECTED),
    R(CKR_UNWRAPPING_KEY_HANDLE_INVALID),
    R(CKR_UNWRAPPING_KEY_SIZE_RANGE),
    R(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT),
    R(CKR_USER_ALREADY_LOGGED_IN),
    R(CKR_USER_NOT_LOGGED_IN),
    R(CKR_USER_PIN_NOT_INITIALIZED),
    R(CKR_USER_TYPE_INVALID),
    R(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    R(CKR_USER_TOO_MANY_TYPES),
    R(CKR_WRAPPED_KEY_INVALID),
    R(CKR_WRAPPED_KEY_LEN_RANGE),
    R(CKR_WRAPPING_KEY_HANDLE_INVALID),
    R(CKR_WRAPPING_KEY_SIZE_RANGE),
    R(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
    R(CKR_RANDOM_SEED_NOT_SUPPORTED),
    R(CKR_RANDOM_NO_RNG),
    R(CKR_DOMAIN_PARAMS_INVALID),
    R(CKR_CURVE_NOT_SUPPORTED),
    R(CKR_BUFFER_TOO_SMALL),
    R(CKR_SAVED_STATE_INVALID),
    R(CKR_INFORMATION_SENSITIVE),
    R(CKR_STATE_UNSAVEABLE),
    R(CKR_CRYPTOKI_NOT_INITIALIZED),
    R(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    R(CKR_MUTEX_BAD),
    R(CKR_MUTEX_NOT_LOCKED),
    R(CKR_NEW_PIN_MODE),
    R(CKR_NEXT_OTP),
    R(CKR_FUNCTION_REJECTED),
    R(CKR_VENDOR_DEFINED),
    R(CKF_LIBRARY_CANT_CREATE_OS_THREADS),
    R(CKF_OS_LOCKING_OK),
    R(CKF_TOKEN_PRESENT),
    R(CKF_REMOVABLE_DEVICE),
    R(CKF_HW_SLOT),
    R(CKF_RNG),
    R(CKF_WRITE_PROTECTED),
    R(CKF_LOGIN_REQUIRED),
    R(CKF_USER_PIN_INITIALIZED),
    R(CKF_RESTORE_KEY_NOT_NEEDED),
    R(CKF_CLOCK_ON_TOKEN),
    R(CKF_PROTECTED_AUTHENTICATION_PATH),
    R(CKF_DUAL_CRYPTO_OPERATIONS),
    R(CKF_TOKEN_INITIALIZED),
    R(CKF_SECONDARY_AUTHENTICATION),
    R(CKF_USER_PIN_COUNT_LOW),
    R(CKF_USER_PIN_FINAL_TRY),
    R(CKF_USER_PIN_LOCKED),
    R(CKF_USER_PIN_TO_BE_CHANGED),
    R(CKF_SO_PIN_COUNT_LOW),
    R(CKF_SO_PIN_FINAL_TRY),
    R(CKF_SO_PIN_LOCKED),
    R(CKF_SO_PIN_TO_BE_CHANGED),
    R(CKF_RW_SESSION),
    R(CKF_SERIAL_SESSION),
    R(CKF_HW),
    R(CKF_ENCRYPT),
    R(CKF_DECRYPT),
    R(CKF_DIGEST),
    R(CKF_SIGN),
    R(CKF_SIGN_RECOVER),
    R(CKF_VERIFY),
    R(CKF_VERIFY_RECOVER),
    R(CKF_GENERATE),
    R(CKF_GENERATE_KEY_PAIR),
    R(CKF_WRAP),
    R(CKF_UNWRAP),
    R(CKF_DERIVE),
    R(CKF_EC_F_P),
    R(CKF_EC_UNCOMPRESS),
    R(CKF_EC_COMPRESS),
    R(CKF_EXTENSION),
    R(CKF_DONT_BLOCK),
    R(CKF_ARRAY_ATTRIBUTE),
    R(CKU_SO),
    R(CKU_USER),
    R(CKU_CONTEXT_SPECIFIC),
    R(CKS_RO_PUBLIC_SESSION),
    R(CKS_RO_USER_FUNCTIONS),
    R(CKS_RW_PUBLIC_SESSION),
    R(CKS_RW_USER_FUNCTIONS),
    R(CKS_RW_SO_FUNCTIONS),
    R(CKN_SURRENDER),
    R(CKO_DATA),
    R(CKO_CERTIFICATE),
    R(CKO_PUBLIC_KEY),
    R(CKO_PRIVATE_KEY),
    R(CKO_SECRET_KEY),
    R(CKO_HW_FEATURE),
    R(CKO_DOMAIN_PARAMETERS),
    R(CKO_MECHANISM),
    R(CKO_OTP_KEY),
    R(CKO_VENDOR_DEFINED),
    R(CKK_RSA),
    R(CKK_DSA),
    R(CKK_DH),
    R(CKK_EC),
    R(CKK_ECDSA),
    R(CKK_GENERIC_SECRET),
    R(CKK_AES),
    R(CKK_SHA256_HMAC),
    R(CKK_EC_EDWARDS),
    R(CKK_VENDOR_DEFINED),
    R(CKC_X_509),
    R(CKC_X_509_ATTR_CERT),
    R(CKC_WTLS),
    R(CKC_VENDOR_DEFINED),
    R(CKA_CLASS),
    R(CKA_TOKEN),
    R(CKA_PRIVATE),
    R(CKA_LABEL),
    R(CKA_APPLICATION),
    R(CKA_VALUE),
    R(CKA_OBJECT_ID),
    R(CKA_CERTIFICATE_TYPE),
    R(CKA_ISSUER),
    R(CKA_SERIAL_NUMBER),
    R(CKA_AC_ISSUER),
    R(CKA_OWNER),
    R(CKA_ATTR_TYPES),
    R(CKA_TRUSTED),
    R(CKA_CERTIFICATE_CATEGORY),
    R(CKA_JAVA_MIDP_SECURITY_DOMAIN),
    R(CKA_URL),
    R(CKA_HASH_OF_SUBJECT_PUBLIC_KEY),
    R(CKA_HASH_OF_ISSUER_PUBLIC_KEY),
    R(CKA_NAME_HASH_ALGORITHM),
    R(CKA_CHECK_VALUE),
    R(CKA_KEY_TYPE),
    R(CKA_SUBJECT),
    R(CKA_ID),
    R(CKA_SENSITIVE),
    R(CKA_ENCRYPT),
    R(CKA_DECRYPT),
    R(CKA_WRAP),
    R(CKA_UNWRAP),
    R(CKA_SIGN),
    R(CKA_SIGN_RECOVER),
    R(CKA_VERIFY),
    R(CKA_VERIFY_RECOVER),
    R(CKA_DERIVE),
    R(CKA_START_DATE),
    R(CKA_END_DATE),
    R(CKA_MODULUS),
    R(CKA_MODULUS_BITS),
    R(CKA_PUBLIC_EXPONENT),
    R(CKA_PRIVATE_EXPONENT),
    R(CKA_PUBLIC_KEY_INFO),
    R(CKA_PRIME),
    R(CKA_VALUE_BITS),
    R(CKA_VALUE_LEN),
    R(CKA_EXTRACTABLE),
    R(CKA_LOCAL),
    R(CKA_NEVER_EXTRACTABLE),
    R(CKA_ALWAYS_SENSITIVE),
    R(CKA_KEY_GEN_MECHANISM),
    R(CKA_MODIFIABLE),
    R(CKA_COPYABLE),
    R(CKA_DESTROYABLE),
    R(CKA_EC_PARAMS),
    R(CKA_ECDSA_PARAMS),
    R(CKA_EC_POINT),
    R(CKA_ALWAYS_AUTHENTICATE),
    R(CKA_WRAP_WITH_TRUSTED),
    R(CKA_WRAP_TEMPLATE),
    R(CKA_UNWRAP_TEMPLATE),
    R(CKA_DERIVE_TEMPLATE),
    R(CKA_HW_FEATURE_TYPE),
    R(CKA_MECHANISM_TYPE),
    R(CKA_ALLOWED_MECHANISMS),
    R(CKA_VENDOR_DEFINED),
    R(CKM_SHA_1),
    R(CKM_SHA256),
    R(CKM_SHA224),
    R(CKM_SHA384),
    R(CKM_SHA512),
    R(CKM_GENERIC_SECRET_KEY_GEN),
    R(CKM_EC_KEY_PAIR_GEN),
    R(CKM_ECDSA_KEY_PAIR_GEN),
    R(CKM_ECDSA),
    R(CKM_ECDSA_SHA1),
    R(CKM_ECDSA_SHA224),
    R(CKM_ECDSA_SHA256),
    R(CKM_ECDSA_SHA384),
    R(CKM_ECDSA_SHA512),
    R(CKM_ECDH1_DERIVE),
    R(CKM_ECDH1_COFACTOR_DERIVE),
    R(CKM_ECMQV_DERIVE),
    R(CKM_EC_EDWARDS_KEY_PAIR_GEN),
    R(CKM_EDDSA),
    R(CKM_VENDOR_DEFINED),
    R(CKD_NULL),
    R(CKD_SHA1_KDF),
    R(CKD_SHA1_KDF_ASN1),
    R(CKD_SHA1_KDF_CONCATENATE),
    R(CKD_SHA224_KDF),
    R(CKD_SHA256_KDF),
    R(CKD_SHA384_KDF),
    R(CKD_SHA512_KDF),
    {"CKF_EC_OID", CKF_EC_NAMEDCURVE}, /* 2.40 name of the same bit */
};

#define O(f)                                                                                       \
    { #f, offsetof(CK_FUNCTION_LIST, f) }
static const zkp_ck_name REFERENCE_OFFSETS[] = {
    {"version", offsetof(CK_FUNCTION_LIST, version)},
    O(C_Initialize),
    O(C_Finalize),
    O(C_GetInfo),
    O(C_GetFunctionList),
    O(C_GetSlotList),
    O(C_GetSlotInfo),
    O(C_GetTokenInfo),
    O(C_GetMechanismList),
    O(C_GetMechanismInfo),
    O(C_InitToken),
    O(C_InitPIN),
    O(C_SetPIN),
    O(C_OpenSession),
    O(C_CloseSession),
    O(C_CloseAllSessions),
    O(C_GetSessionInfo),
    O(C_GetOperationState),
    O(C_SetOperationState),
    O(C_Login),
    O(C_Logout),
    O(C_CreateObject),
    O(C_CopyObject),
    O(C_DestroyObject),
    O(C_GetObjectSize),
    O(C_GetAttributeValue),
    O(C_SetAttributeValue),
    O(C_FindObjectsInit),
    O(C_FindObjects),
    O(C_FindObjectsFinal),
    O(C_EncryptInit),
    O(C_Encrypt),
    O(C_EncryptUpdate),
    O(C_EncryptFinal),
    O(C_DecryptInit),
    O(C_Decrypt),
    O(C_DecryptUpdate),
    O(C_DecryptFinal),
    O(C_DigestInit),
    O(C_Digest),
    O(C_DigestUpdate),
    O(C_DigestKey),
    O(C_DigestFinal),
    O(C_SignInit),
    O(C_Sign),
    O(C_SignUpdate),
    O(C_SignFinal),
    O(C_SignRecoverInit),
    O(C_SignRecover),
    O(C_VerifyInit),
    O(C_Verify),
    O(C_VerifyUpdate),
    O(C_VerifyFinal),
    O(C_VerifyRecoverInit),
    O(C_VerifyRecover),
    O(C_DigestEncryptUpdate),
    O(C_DecryptDigestUpdate),
    O(C_SignEncryptUpdate),
    O(C_DecryptVerifyUpdate),
    O(C_GenerateKey),
    O(C_GenerateKeyPair),
    O(C_WrapKey),
    O(C_UnwrapKey),
    O(C_DeriveKey),
    O(C_SeedRandom),
    O(C_GenerateRandom),
    O(C_GetFunctionStatus),
    O(C_CancelFunction),
    O(C_WaitForSlotEvent),
};

#define S(t)                                                                                       \
    { #t, sizeof(t) }
static const zkp_ck_name REFERENCE_SIZES[] = {
    S(CK_VERSION),
    S(CK_INFO),
    S(CK_SLOT_INFO),
    S(CK_TOKEN_INFO),
    S(CK_SESSION_INFO),
    S(CK_ATTRIBUTE),
    S(CK_DATE),
    S(CK_MECHANISM),
    S(CK_MECHANISM_INFO),
    S(CK_C_INITIALIZE_ARGS),
    S(CK_ECDH1_DERIVE_PARAMS),
    S(CK_FUNCTION_LIST),
};
#endif

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    size_t nc, no, ns;
    const zkp_ck_name *ours = zkp_ck_constants(&nc);
    const zkp_ck_name *offs = zkp_ck_function_offsets(&no);
    const zkp_ck_name *sizes = zkp_ck_struct_sizes(&ns);

    /* every constant of ours is covered by the reference or by the hand-checked list */
#if HAVE_REFERENCE
    const size_t nref = sizeof REFERENCE / sizeof REFERENCE[0];
    for (size_t i = 0; i < nref; i++) {
        const zkp_ck_name *o = lookup(ours, nc, REFERENCE[i].name);
        CHECK(o != NULL, "%s missing from cryptoki.h", REFERENCE[i].name);
        if (o)
            CHECK(o->value == REFERENCE[i].value, "%s: ours 0x%lx, p11-kit 0x%lx", o->name,
                  o->value, REFERENCE[i].value);
    }
#endif
    const size_t nhand = sizeof BY_HAND / sizeof BY_HAND[0];
    for (size_t i = 0; i < nhand; i++) {
        const zkp_ck_name *o = lookup(ours, nc, BY_HAND[i].name);
        CHECK(o != NULL && o->value == BY_HAND[i].value, "%s: expected 0x%lx", BY_HAND[i].name,
              BY_HAND[i].value);
    }
    for (size_t i = 0; i < nc; i++) {
        bool covered = lookup(BY_HAND, nhand, ours[i].name) != NULL;
#if HAVE_REFERENCE
        covered = covered || lookup(REFERENCE, nref, ours[i].name) != NULL;
#endif
        CHECK(covered, "%s is checked against nothing", ours[i].name);
    }

#if HAVE_REFERENCE
    /* the 2.40 part of the function list: same members at the same offsets */
    const size_t noff = sizeof REFERENCE_OFFSETS / sizeof REFERENCE_OFFSETS[0];
    CHECK(no == noff + sizeof FUNCTIONS_3_0 / sizeof FUNCTIONS_3_0[0], "function count %zu", no);
    for (size_t i = 0; i < noff && i < no; i++) {
        CHECK(strcmp(offs[i].name, REFERENCE_OFFSETS[i].name) == 0, "member %zu: %s vs %s", i,
              offs[i].name, REFERENCE_OFFSETS[i].name);
        CHECK(offs[i].value == REFERENCE_OFFSETS[i].value, "%s at %lu, p11-kit %lu", offs[i].name,
              offs[i].value, REFERENCE_OFFSETS[i].value);
    }
    for (size_t i = 0; i < sizeof REFERENCE_SIZES / sizeof REFERENCE_SIZES[0]; i++) {
        const zkp_ck_name *o = lookup(sizes, ns, REFERENCE_SIZES[i].name);
        CHECK(o && o->value == REFERENCE_SIZES[i].value, "sizeof %s", REFERENCE_SIZES[i].name);
    }
    const zkp_ck_name *fl30 = lookup(sizes, ns, "CK_FUNCTION_LIST_3_0");
    CHECK(fl30 && fl30->value == sizeof(CK_FUNCTION_LIST) + 24 * sizeof(void *),
          "CK_FUNCTION_LIST_3_0 = 2.40 list + 24 pointers");
    size_t base = noff;
#else
    printf("p11-kit header not found: only the hand-checked values are compared\n");
    size_t base = no - sizeof FUNCTIONS_3_0 / sizeof FUNCTIONS_3_0[0];
#endif
    /* the 3.0 functions follow, in specification order, one pointer apart */
    for (size_t i = 0; i < sizeof FUNCTIONS_3_0 / sizeof FUNCTIONS_3_0[0]; i++) {
        size_t k = base + i;
        CHECK(k < no && strcmp(offs[k].name, FUNCTIONS_3_0[i]) == 0, "3.0 member %zu: %s", i,
              FUNCTIONS_3_0[i]);
        if (k < no && k > 0)
            CHECK(offs[k].value == offs[k - 1].value + sizeof(void *), "%s offset",
                  FUNCTIONS_3_0[i]);
    }
    const zkp_ck_name *iface = lookup(sizes, ns, "CK_INTERFACE");
    CHECK(iface && iface->value == 3 * sizeof(void *), "sizeof CK_INTERFACE");
    const zkp_ck_name *eddsa = lookup(sizes, ns, "CK_EDDSA_PARAMS");
    CHECK(eddsa && eddsa->value == 3 * sizeof(void *), "sizeof CK_EDDSA_PARAMS (LP64)");
    return t_report("pk11_header");
}
