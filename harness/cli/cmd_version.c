/*
 * `ecsconf version`: the version, the libraries it was built with, and where its suite data is and why
 * that folder was chosen (ECSCONF_DATA_DIR, installed beside the binary, the source tree). A bug
 * report needs the first two; "which suite did this run?" needs the last (`--data-dir` prints only it).
 */
#include "commands.h"

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf version [--data-dir]\n"
        "\n"
        "Prints the version, the libraries ecsconf was built with, and the data folder it reads the suite\n"
        "from (conformance/, fixtures/, client-cases/, the shipped adapters) with where that folder came\n"
        "from: $ECSCONF_DATA_DIR, the installed share/ecsconf beside the binary, or the source tree of a\n"
        "build. --suite and --fixtures still override it per run.\n"
        "\n"
        "  --data-dir   print only the data folder (for scripts)\n"
        "\n"
        "Examples:\n"
        "  ecsconf version\n"
        "  ls \"$(ecsconf version --data-dir)/conformance\"\n");
}

int ecc_cmd_version(int argc, char **argv) {
    bool data_dir_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if (strcmp(argv[i], "--data-dir") == 0) {
            data_dir_only = true;
        } else {
            ecc_cli_error("version", "unknown option '%s' (see ecsconf version --help)", argv[i]);
            return ECC_EXIT_USAGE;
        }
    }
    const char *origin = NULL;
    const char *data_dir = ecc_cli_data_dir(&origin);
    if (data_dir_only) {
        printf("%s\n", data_dir);
        return ECC_EXIT_OK;
    }
    char adapters[4096];
    printf("ecsconf %s\n", ECSCONF_VERSION);
    printf(
        "  jansson %s, %s, %s, libmicrohttpd %s\n",
        jansson_version_str(),
        curl_version(),
        OpenSSL_version(OPENSSL_VERSION),
        MHD_get_version());
    printf("  data: %s (%s)\n", data_dir, origin);
    printf("  adapters: %s\n", ecc_cli_adapters_dir(adapters, sizeof(adapters)));
    return ECC_EXIT_OK;
}
