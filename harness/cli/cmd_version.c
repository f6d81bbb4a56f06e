#include "commands.h"

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>

int ecc_cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("ecsconf %s\n", ECSCONF_VERSION);
    printf(
        "  jansson %s, %s, %s, libmicrohttpd %s\n",
        jansson_version_str(),
        curl_version(),
        OpenSSL_version(OPENSSL_VERSION),
        MHD_get_version());
    return ECC_EXIT_OK;
}
