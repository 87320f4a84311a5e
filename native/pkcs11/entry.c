/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exported C_* functions: the initialized check, then a call into the concern that does
 * the work. Functions outside the token's scope answer CKR_FUNCTION_NOT_SUPPORTED once the
 * module is initialized. Failures are logged when ZKBRIDGE_PKCS11_DEBUG is set.
 */
#include "p11.h"

#define READY()                                                                                    \
    do {                                                                                           \
        CK_RV ready_ = zkp_module_check();                                                         \
        if (ready_ != CKR_OK)                                                                      \
            return ready_;                                                                         \
    } while (0)

static CK_RV traced(const char *fn, CK_RV rv) {
    if (rv != CKR_OK) {
        const char *name = zkp_rv_name(rv);
        if (name)
            zkp_log("%s -> %s", fn, name);
        else
            zkp_log("%s -> 0x%lx", fn, rv);
    }
    return rv;
}

#define RUN(call) return traced(__func__, (call))

/* ---- general ------------------------------------------------------------------------------------
 */

CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
    RUN(zkp_initialize(pInitArgs));
}

CK_RV C_Finalize(CK_VOID_PTR pReserved) {
    RUN(zkp_finalize(pReserved));
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
    READY();
    RUN(zkp_get_info(pInfo));
}

/* ---- slots and tokens
 * ---------------------------------------------------------------------------- */

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
    READY();
    RUN(zkp_get_slot_list(tokenPresent, pSlotList, pulCount));
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
    READY();
    RUN(zkp_get_slot_info(slotID, pInfo));
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
    READY();
    RUN(zkp_get_token_info(slotID, pInfo));
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                         CK_ULONG_PTR pulCount) {
    READY();
    RUN(zkp_get_mechanism_list(slotID, pMechanismList, pulCount));
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
    READY();
    RUN(zkp_get_mechanism_info(slotID, type, pInfo));
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                  CK_UTF8CHAR_PTR pLabel) {
    READY();
    RUN(zkp_init_token(slotID, pPin, ulPinLen, pLabel));
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
    READY();
    RUN(zkp_init_pin(hSession, pPin, ulPinLen));
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
               CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen) {
    READY();
    RUN(zkp_set_pin(hSession, pOldPin, ulOldLen, pNewPin, ulNewLen));
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
    READY();
    RUN(zkp_wait_for_slot_event(flags, pSlot, pReserved));
}

/* ---- sessions
 * ------------------------------------------------------------------------------------ */

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                    CK_SESSION_HANDLE_PTR phSession) {
    (void)pApplication; /* we never call back: operations do not surrender */
    (void)Notify;
    READY();
    RUN(zkp_open_session(slotID, flags, phSession));
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
    READY();
    RUN(zkp_close_session(hSession));
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
    READY();
    RUN(zkp_close_all_sessions(slotID));
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
    READY();
    RUN(zkp_get_session_info(hSession, pInfo));
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
    READY();
    RUN(zkp_session_cancel(hSession, flags));
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                          CK_ULONG_PTR pulOperationStateLen) {
    (void)hSession;
    (void)pOperationState;
    (void)pulOperationStateLen;
    READY();
    return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                          CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
                          CK_OBJECT_HANDLE hAuthenticationKey) {
    (void)hSession;
    (void)pOperationState;
    (void)ulOperationStateLen;
    (void)hEncryptionKey;
    (void)hAuthenticationKey;
    READY();
    return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
              CK_ULONG ulPinLen) {
    READY();
    RUN(zkp_login(hSession, userType, pPin, ulPinLen));
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen) {
    READY();
    /* the token has one user: a user name is not something we can check */
    if (pUsername != NULL && ulUsernameLen != 0)
        return traced(__func__, CKR_ARGUMENTS_BAD);
    RUN(zkp_login(hSession, userType, pPin, ulPinLen));
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
    READY();
    RUN(zkp_logout(hSession));
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession) {
    (void)hSession;
    READY();
    return CKR_FUNCTION_NOT_PARALLEL; /* legacy: what the spec asks of every library */
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession) {
    (void)hSession;
    READY();
    return CKR_FUNCTION_NOT_PARALLEL;
}

/* ---- objects --------------------------------------------------------------------------------- */

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject) {
    READY();
    RUN(zkp_create_object(hSession, pTemplate, ulCount, phObject));
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                   CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject) {
    READY();
    RUN(zkp_copy_object(hSession, hObject, pTemplate, ulCount, phNewObject));
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
    READY();
    RUN(zkp_destroy_object(hSession, hObject));
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) {
    READY();
    RUN(zkp_get_object_size(hSession, hObject, pulSize));
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
    READY();
    /* CKR_BUFFER_TOO_SMALL / SENSITIVE / TYPE_INVALID are normal answers here: not logged */
    return zkp_get_attribute_value(hSession, hObject, pTemplate, ulCount);
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
    READY();
    RUN(zkp_set_attribute_value(hSession, hObject, pTemplate, ulCount));
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
    READY();
    RUN(zkp_find_init(hSession, pTemplate, ulCount));
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount) {
    READY();
    RUN(zkp_find_objects(hSession, phObject, ulMaxObjectCount, pulObjectCount));
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
    READY();
    RUN(zkp_find_final(hSession));
}

/* ---- digests
 * ------------------------------------------------------------------------------------- */

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism) {
    READY();
    RUN(zkp_digest_init(hSession, pMechanism));
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
               CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
    READY();
    return zkp_digest(hSession, pData, ulDataLen, pDigest, pulDigestLen);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
    READY();
    RUN(zkp_digest_update(hSession, pPart, ulPartLen));
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey) {
    READY();
    RUN(zkp_digest_key(hSession, hKey));
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
    READY();
    return zkp_digest_final(hSession, pDigest, pulDigestLen);
}

/* ---- signatures
 * ---------------------------------------------------------------------------------- */

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
    READY();
    RUN(zkp_sign_init(hSession, pMechanism, hKey));
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
             CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
    READY();
    return zkp_sign(hSession, pData, ulDataLen, pSignature, pulSignatureLen);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
    READY();
    RUN(zkp_sign_update(hSession, pPart, ulPartLen));
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                  CK_ULONG_PTR pulSignatureLen) {
    READY();
    return zkp_sign_final(hSession, pSignature, pulSignatureLen);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
    READY();
    RUN(zkp_verify_init(hSession, pMechanism, hKey));
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
               CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
    READY();
    RUN(zkp_verify(hSession, pData, ulDataLen, pSignature, ulSignatureLen));
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
    READY();
    RUN(zkp_verify_update(hSession, pPart, ulPartLen));
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
    READY();
    RUN(zkp_verify_final(hSession, pSignature, ulSignatureLen));
}

/* ---- keys -------------------------------------------------------------------------------------
 */

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey) {
    (void)pMechanism;
    (void)pTemplate;
    (void)ulCount;
    (void)phKey;
    READY();
    CK_SESSION_INFO info;
    CK_RV rv = zkp_get_session_info(hSession, &info);
    /* the device makes key pairs only; secret keys come from C_DeriveKey */
    RUN(rv != CKR_OK ? rv : CKR_MECHANISM_INVALID);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                        CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                        CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey) {
    READY();
    RUN(zkp_generate_key_pair(hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
                              pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey,
                              phPrivateKey));
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                  CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
                  CK_OBJECT_HANDLE_PTR phKey) {
    READY();
    RUN(zkp_derive_key(hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey));
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) {
    READY();
    RUN(zkp_seed_random(hSession, pSeed, ulSeedLen));
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen) {
    READY();
    RUN(zkp_generate_random(hSession, RandomData, ulRandomLen));
}
