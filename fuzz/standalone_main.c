/*
 * The driver that replaces libFuzzer when ECSCONF_FUZZ is off (gcc builds, the normal CI build, AFL++
 * in fork-server mode): it runs LLVMFuzzerTestOneInput once on every file named on the command line,
 * descending into folders, so `fuzz_<target> corpus/fuzz_<target>` regression-tests the whole corpus
 * with the target's oracle. Each input is copied into a buffer of exactly its size, so a sanitizer
 * catches a read past the end the way libFuzzer would.
 *
 * Exit status: 0 when every input ran (an oracle violation aborts), 1 when an argument cannot be read or
 * when no input was found at all (an empty corpus is a broken corpus, not a pass).
 */
#include "fuzz_data.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Optional, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Inputs larger than this are refused: libFuzzer's own default max_len is far smaller. */
#define S_MAX_INPUT_BYTES (16u * 1024u * 1024u)

static int s_run_file(const char *path, size_t *count) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = 1;
    if (fseek(file, 0, SEEK_END) != 0) {
        goto on_error;
    }
    long end = ftell(file);
    if (end < 0 || (unsigned long)end > S_MAX_INPUT_BYTES || fseek(file, 0, SEEK_SET) != 0) {
        fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, S_MAX_INPUT_BYTES);
        goto on_error;
    }
    len = (size_t)end;
    data = malloc(len == 0 ? 1 : len);
    if (!data || fread(data, 1, len, file) != len) {
        fprintf(stderr, "%s: read failed\n", path);
        goto on_error;
    }
    fclose(file);
    file = NULL;
    fprintf(stderr, "run %s (%zu bytes)\n", path, len);
    (void)LLVMFuzzerTestOneInput(data, len);
    (*count)++;
    rc = 0;
on_error:
    free(data);
    if (file) {
        fclose(file);
    }
    return rc;
}

static int s_compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int s_run_path(const char *path, size_t *count);

/* Entries in name order, so a replay log reads the same on every machine. */
static int s_run_dir(const char *path, size_t *count) {
    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    int rc = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue; /* ".", ".." and hidden files such as .gitkeep */
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof(*names));
            if (!grown) {
                rc = 1;
                goto done;
            }
            names = grown;
        }
        size_t size = strlen(path) + strlen(entry->d_name) + 2;
        names[n] = malloc(size);
        if (!names[n]) {
            rc = 1;
            goto done;
        }
        snprintf(names[n], size, "%s/%s", path, entry->d_name);
        n++;
    }
    qsort(names, n, sizeof(*names), s_compare_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = s_run_path(names[i], count);
    }
done:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    closedir(dir);
    return rc;
}

static int s_run_path(const char *path, size_t *count) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    return S_ISDIR(st.st_mode) ? s_run_dir(path, count) : s_run_file(path, count);
}

int main(int argc, char **argv) {
    if (LLVMFuzzerInitialize) {
        (void)LLVMFuzzerInitialize(&argc, &argv);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n  runs the fuzz target once on every input file\n", argv[0]);
        return 1;
    }
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        if (s_run_path(argv[i], &count) != 0) {
            return 1;
        }
    }
    if (count == 0) {
        fprintf(stderr, "no input files found: an empty corpus tests nothing\n");
        return 1;
    }
    fprintf(stderr, "%zu inputs ran, no oracle violated\n", count);
    return 0;
}
