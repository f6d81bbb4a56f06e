#ifndef ECC_REPLAY_INTERNAL_H
#define ECC_REPLAY_INTERNAL_H
/*
 * What replay.c (sending a recording again) and replay_draft.c (turning it into a case) share: the
 * sessions of a recording set and the names a session uses, read one way for both.
 */
#include "ecc/replay.h"

/* Most names (clusters and families) one session may bind; most revisions setup registers for a family. */
#define ECC_REPLAY_MAX_NAMES    64
#define ECC_REPLAY_MAX_REVISION 20

struct ecc_replay_session {
    char key[ECC_SUITE_MAX_ID_LEN + 1];
    const struct ecc_fixture **items;
    size_t count;
    size_t capacity;
};

struct ecc_replay_sessions {
    struct ecc_replay_session *items;
    size_t count;
    size_t capacity;
};

/* A cluster or family one session names. */
struct ecc_replay_name {
    char name[256];
    bool is_cluster;
    bool created;        /* the session creates it itself */
    bool must_not_exist; /* the recording answered "not found" for a request naming it */
    long revision;       /* highest revision named (families) */
};

struct ecc_replay_names {
    struct ecc_replay_name items[ECC_REPLAY_MAX_NAMES];
    size_t count;
};

/* Groups `set` into sessions (replay.h), sorted by key, each in id order. Borrowed fixtures. */
enum ecc_status ecc_replay_sessions_build(const struct ecc_fixture_set *set, struct ecc_replay_sessions *sessions)
    ECC_WARN_UNUSED_RESULT;
void ecc_replay_sessions_clean_up(struct ecc_replay_sessions *sessions);

/* Every cluster and family the session's requests name, whether it creates each, and whether the recording
 * says one did not exist (ClusterNotFoundException, ClientException for a family). */
void ecc_replay_names_collect(const struct ecc_replay_session *session, struct ecc_replay_names *names);

/* The body of the setup call that creates `name` under the run's name `used`: CreateCluster's, or
 * RegisterTaskDefinition's (one busybox container). New reference; NULL when out of memory. */
json_t *ecc_replay_setup_body(const struct ecc_replay_name *name, const char *used);

/* The recorded error type of a fixture's answer ("" when none). */
void ecc_replay_recorded_error(const struct ecc_fixture *fixture, char *out, size_t size);

/* The recorded answer's Date header as seconds since the epoch (curl_getdate reads RFC 7231 dates), or -1
 * when it has none. */
int64_t ecc_replay_recorded_date_s(const struct ecc_fixture *fixture);

#endif
