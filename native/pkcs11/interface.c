/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The function lists and the ways to get them: C_GetFunctionList (the 2.40 list, which every
 * application understands) and the 3.0 interface discovery, which offers "PKCS 11" in version
 * 3.0 (default) and 2.40. Both interfaces are fork safe: a child gets
 * CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize (module.c).
 */
#include <string.h>

#include "p11.h"

#define ZKP_FILL(name, params) name,

CK_FUNCTION_LIST zkp_function_list_2_40 = {{2, 40}, ZKP_CK_FUNCTIONS_2_40(ZKP_FILL)};
CK_FUNCTION_LIST_3_0 zkp_function_list_3_0 = {
    {3, 0}, ZKP_CK_FUNCTIONS_2_40(ZKP_FILL) ZKP_CK_FUNCTIONS_3_0(ZKP_FILL)};

static CK_CHAR INTERFACE_NAME[] = "PKCS 11";

static CK_INTERFACE INTERFACES[] = {
    {INTERFACE_NAME, &zkp_function_list_3_0, CKF_INTERFACE_FORK_SAFE},
    {INTERFACE_NAME, &zkp_function_list_2_40, CKF_INTERFACE_FORK_SAFE},
};
#define NINTERFACES (sizeof INTERFACES / sizeof INTERFACES[0])

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
    if (!ppFunctionList)
        return CKR_ARGUMENTS_BAD;
    *ppFunctionList = &zkp_function_list_2_40;
    return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
    if (!pulCount)
        return CKR_ARGUMENTS_BAD;
    CK_RV rv;
    if (!zkp_output_ready(pInterfacesList, pulCount, NINTERFACES, &rv))
        return rv;
    memcpy(pInterfacesList, INTERFACES, sizeof INTERFACES);
    *pulCount = NINTERFACES;
    return CKR_OK;
}

static CK_VERSION interface_version(const CK_INTERFACE *i) {
    return *(const CK_VERSION *)i->pFunctionList; /* both lists start with their version */
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
    if (!ppInterface)
        return CKR_ARGUMENTS_BAD;
    for (size_t i = 0; i < NINTERFACES; i++) {
        CK_INTERFACE *it = &INTERFACES[i];
        if (pInterfaceName && strcmp((const char *)pInterfaceName, (const char *)INTERFACE_NAME))
            continue;
        if (pVersion) {
            CK_VERSION v = interface_version(it);
            if (v.major != pVersion->major || v.minor != pVersion->minor)
                continue;
        }
        if ((it->flags & flags) != flags)
            continue;
        *ppInterface = it;
        return CKR_OK;
    }
    return CKR_ARGUMENTS_BAD;
}
