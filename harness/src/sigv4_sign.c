/*
 * The SigV4 signer: checks what it is asked to sign (credentials, scope parts, header names, room for
 * what it adds), stamps the date, adds X-Amz-Date, X-Amz-Security-Token and x-amz-content-sha256 or the
 * presigning query parameters, canonicalizes (sigv4_canonical.c), signs with a derived or cached key
 * (sigv4_key.c) and writes Authorization or X-Amz-Signature. A request it cannot sign is refused up
 * front with the reason, never left half-signed. Part of the SigV4 module (sigv4_internal.h).
 */
#include "sigv4_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------------------------------------ */
/* Signer                                                                                           */

/* Sets one header's value to the pieces joined (the value is reallocated only when its length
 * changes, so re-signing a request writes the Authorization value in place). */
static enum ecc_status
s_replace_value_pieces(struct ecc_http_header *header, const struct sigv4_piece *pieces, size_t count) {
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        len += pieces[i].len;
    }
    if (strlen(header->value) != len) {
        char *copy = realloc(header->value, len + 1);
        if (!copy) {
            return ECC_ERR_NOMEM;
        }
        header->value = copy;
    }
    char *out = header->value;
    for (size_t i = 0; i < count; i++) {
        sigv4_put_bytes(out, pieces[i].bytes, pieces[i].len);
        out += pieces[i].len;
    }
    *out = '\0';
    return ECC_OK;
}

static enum ecc_status s_replace_value(struct ecc_http_header *header, const char *value, size_t len) {
    const struct sigv4_piece piece = {value, len};
    return s_replace_value_pieces(header, &piece, 1);
}

/* Replaces the first header of that name in place (dropping later ones), or appends it. */
static enum ecc_status s_put_header(struct ecc_http_headers *headers, const char *name, const char *value, size_t len) {
    for (size_t i = 0; i < headers->count; i++) {
        if (!ecc_http_name_equal(headers->items[i].name, name)) {
            continue;
        }
        enum ecc_status status = s_replace_value(&headers->items[i], value, len);
        if (status != ECC_OK) {
            return status;
        }
        for (size_t j = headers->count; j-- > i + 1;) {
            if (ecc_http_name_equal(headers->items[j].name, name)) {
                free(headers->items[j].name);
                free(headers->items[j].value);
                memmove(
                    &headers->items[j], &headers->items[j + 1], (headers->count - j - 1) * sizeof(headers->items[0]));
                headers->count--;
            }
        }
        return ECC_OK;
    }
    return ecc_http_headers_add_n(headers, name, strlen(name), value, len);
}

/* The headers the signer reads or writes, found in the one pass that checks every name: the index of
 * the first of each name (SIZE_MAX when absent). */
struct s_known_headers {
    size_t host;
    size_t authorization;
    size_t date;
    size_t token;
    size_t content_sha256;
    bool repeated; /* a name the signer writes appears twice: s_put_header then drops the later ones */
};

static void s_note_header(size_t *slot, size_t index, bool *repeated) {
    if (*slot == SIZE_MAX) {
        *slot = index;
    } else {
        *repeated = true;
    }
}

/* Checks that every header name is one the verifier's SignedHeaders grammar accepts (a name it refuses
 * would make a signature no one can check) and finds the known headers. Returns the index of the first
 * bad name, or SIZE_MAX. */
static size_t
s_scan_headers(struct ecc_sigv4_signer *ctx, const struct ecc_http_headers *headers, struct s_known_headers *known) {
    *known = (struct s_known_headers){SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, false};
    bool host_repeated = false;
    for (size_t i = 0; i < headers->count; i++) {
        const char *name = headers->items[i].name;
        size_t len = sigv4_token_name_len(name);
        if (len == 0) {
            return i;
        }
        ctx->headers[i].name_len = len;
        switch (len) {
        case 4:
            if (sigv4_name_is(name, len, "host", 4)) {
                s_note_header(&known->host, i, &host_repeated);
            }
            break;
        case 10:
            if (sigv4_name_is(name, len, "x-amz-date", 10)) {
                s_note_header(&known->date, i, &known->repeated);
            }
            break;
        case 13:
            if (sigv4_name_is(name, len, "authorization", 13)) {
                s_note_header(&known->authorization, i, &known->repeated);
            }
            break;
        case 20:
            if (sigv4_name_is(name, len, "x-amz-security-token", 20)) {
                s_note_header(&known->token, i, &known->repeated);
            } else if (sigv4_name_is(name, len, "x-amz-content-sha256", 20)) {
                s_note_header(&known->content_sha256, i, &known->repeated);
            }
            break;
        default:
            break;
        }
    }
    /* s_put_header drops repeats, which would move the names the lengths belong to. */
    ctx->known_name_lens = known->repeated ? 0 : headers->count;
    return SIZE_MAX;
}

/* s_put_header, without its scans when the header's place is known and its name is not repeated
 * (appending keeps the other known places valid; only dropping repeats would move them). */
static enum ecc_status s_set_header(
    struct ecc_http_headers *headers,
    const struct s_known_headers *known,
    size_t index,
    const char *name,
    const char *value,
    size_t len) {
    if (known->repeated) {
        return s_put_header(headers, name, value, len);
    }
    if (index == SIZE_MAX) {
        return ecc_http_headers_add_n(headers, name, strlen(name), value, len);
    }
    return s_replace_value(&headers->items[index], value, len);
}

static enum ecc_status s_append_query_param(struct ecc_buf *query, const char *key, const char *value) {
    enum ecc_status status;
    if (query->len > 0) {
        status = ecc_buf_append_byte(query, '&');
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_buf_append_str(query, key);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_append_byte(query, '=');
    if (status != ECC_OK) {
        return status;
    }
    return sigv4_append_encoded(query, value, strlen(value), false);
}

/* One signature in the making: what the checks found and the steps after them use. */
struct s_job {
    const struct ecc_sigv4_sign_options *options;
    const struct ecc_credentials *credentials;
    size_t access_key_id_len;
    size_t region_len;
    size_t service_len;
    struct s_known_headers known;
    uint32_t expires_s;
    const char *token; /* the session token, NULL when there is none */
    bool token_signed; /* false: added after signing (options->session_token_after_signing) */
    char amz_date[ECC_SIGV4_DATE_LEN];
    struct sigv4_scope scope;
    char payload_hash[2 * SIGV4_SHA256_LEN + 1];
    struct ecc_buf query; /* query mode: the presigned query, owned until it replaces the request's */
};

/* Credentials, scope parts and method. */
static enum ecc_status
s_check_options(struct s_job *job, const struct ecc_http_request *request, struct ecc_diag *diag) {
    const struct ecc_credentials *credentials = job->credentials;
    if (!credentials || !credentials->access_key_id || !credentials->access_key_id[0] ||
        !credentials->secret_access_key || !credentials->secret_access_key[0]) {
        ecc_diag_set(diag, "no credentials to sign with (access key id and secret access key are required)");
        return ECC_ERR_INVALID;
    }
    job->access_key_id_len = sigv4_access_key_id_len(credentials->access_key_id);
    if (job->access_key_id_len == 0) {
        ecc_diag_set(diag, "the access key id must not contain '/', ',' or blanks");
        return ECC_ERR_INVALID;
    }
    job->region_len = sigv4_valid_name_len(job->options->region);
    job->service_len = sigv4_valid_name_len(job->options->service);
    if (job->region_len == 0 || job->service_len == 0) {
        ecc_diag_set(diag, "region and service are required and must not contain '/' or blanks");
        return ECC_ERR_INVALID;
    }
    if (!request->method || !request->method[0]) {
        ecc_diag_set(diag, "the request has no method");
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* Every header name a token, and Host present; finds the headers the signer writes. */
static enum ecc_status s_check_headers(
    struct ecc_sigv4_signer *ctx, const struct ecc_http_request *request, struct s_job *job, struct ecc_diag *diag) {
    if (sigv4_reserve_header_refs(ctx, request->headers.count) != ECC_OK) {
        ecc_diag_set(diag, "out of memory");
        return ECC_ERR_NOMEM;
    }
    size_t bad_name = s_scan_headers(ctx, &request->headers, &job->known);
    if (bad_name != SIZE_MAX) {
        ecc_diag_set(
            diag,
            "header name \"%.64s\" is not an HTTP token of at most %d bytes",
            request->headers.items[bad_name].name,
            SIGV4_MAX_HEADER_NAME_BYTES);
        return ECC_ERR_INVALID;
    }
    if (job->known.host == SIZE_MAX) {
        ecc_diag_set(diag, "the request has no Host header (SigV4 always signs it)");
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* No second signature, nothing presigning would add twice, X-Amz-Expires in range. */
static enum ecc_status
s_check_auth_absent(const struct ecc_http_request *request, struct s_job *job, struct ecc_diag *diag) {
    const struct ecc_sigv4_sign_options *options = job->options;
    /* The verifier refuses a request carrying two signatures ("Only one auth mechanism allowed"). */
    if (sigv4_has_query_auth(request->query)) {
        ecc_diag_set(
            diag, "the query already holds X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature: remove them first");
        return ECC_ERR_INVALID;
    }
    /* Presigning appends these; a copy already in the query would be a repeated parameter, which the
     * verifier refuses (AWS does too), so the signer refuses first rather than make a URL nobody accepts. */
    if (options->mode == ECC_SIGV4_MODE_QUERY) {
        static const char *const added[] = {
            "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token"};
        const char *present = sigv4_query_first_of(request->query, added, sizeof(added) / sizeof(added[0]));
        if (present) {
            ecc_diag_set(diag, "the query already holds %s, which presigning adds: remove it first", present);
            return ECC_ERR_INVALID;
        }
    }
    /* Header mode replaces an Authorization header; query mode would leave it beside the presigned one. */
    if (options->mode == ECC_SIGV4_MODE_QUERY && job->known.authorization != SIZE_MAX) {
        ecc_diag_set(diag, "the request already has an Authorization header: remove it before presigning");
        return ECC_ERR_INVALID;
    }
    job->expires_s = options->expires_s ? options->expires_s : ECC_SIGV4_DEFAULT_EXPIRES_S;
    if (options->mode == ECC_SIGV4_MODE_QUERY && job->expires_s > ECC_SIGV4_MAX_EXPIRES_S) {
        ecc_diag_set(diag, "X-Amz-Expires must be 1..%d seconds, got %u", ECC_SIGV4_MAX_EXPIRES_S, job->expires_s);
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* The date (formatted once per second of the clock), the scope and the session token's place. */
static void s_stamp(struct ecc_sigv4_signer *ctx, struct s_job *job) {
    const struct ecc_sigv4_sign_options *options = job->options;
    int64_t now_s = sigv4_now(options->clock, options->clock_user_data);
    if (now_s != ctx->last_epoch_s || !ctx->last_date[0]) {
        ecc_sigv4_format_date(now_s, ctx->last_date);
        ctx->last_epoch_s = now_s;
    }
    memcpy(job->amz_date, ctx->last_date, ECC_SIGV4_DATE_LEN);
    sigv4_scope_init(&job->scope, job->amz_date, options->region, job->region_len, options->service, job->service_len);
    const char *token = job->credentials->session_token;
    job->token = token && token[0] ? token : NULL;
    job->token_signed = job->token && !options->session_token_after_signing;
}

/* Room for what signing adds: refused up front, with the count, rather than failing half-signed. */
static enum ecc_status
s_check_room(const struct ecc_http_request *request, const struct s_job *job, struct ecc_diag *diag) {
    const struct ecc_sigv4_sign_options *options = job->options;
    const struct s_known_headers *known = &job->known;
    /* Header mode adds the headers it signs with that are not there yet (found by fuzz_sigv4: a
     * 200-header request failed half-signed with a bare size-limit error). */
    if (options->mode == ECC_SIGV4_MODE_HEADER) {
        bool adds_sha256 = options->add_content_sha256_header || options->payload == ECC_SIGV4_PAYLOAD_UNSIGNED;
        size_t added = (size_t)(known->date == SIZE_MAX) + (size_t)(known->authorization == SIZE_MAX) +
                       (size_t)(job->token && known->token == SIZE_MAX) +
                       (size_t)(adds_sha256 && known->content_sha256 == SIZE_MAX);
        if (request->headers.count + added > ECC_HTTP_MAX_HEADERS) {
            ecc_diag_set(
                diag,
                "the request has %zu headers and signing adds %zu (X-Amz-Date, Authorization, ...): a request "
                "holds at most %d",
                request->headers.count,
                added,
                ECC_HTTP_MAX_HEADERS);
            return ECC_ERR_INVALID;
        }
    }
    /* Likewise the query parameters, with those presigning adds (the token's too when it is added after
     * signing: the verifier canonicalizes it). Found by fuzz_sigv4: 1,055 empty parameters in header
     * mode failed with a bare size-limit status. */
    size_t query_params = sigv4_query_param_count(request->query);
    size_t query_added = options->mode == ECC_SIGV4_MODE_QUERY ? 5 + (size_t)(job->token != NULL) : 0;
    if (query_params + query_added > ECC_SIGV4_MAX_QUERY_PARAMS) {
        char added[48] = "";
        if (query_added) {
            snprintf(added, sizeof(added), " and presigning adds %zu", query_added);
        }
        ecc_diag_set(
            diag,
            "the query has %zu parameters%s: a signed query holds at most %d",
            query_params,
            added,
            ECC_SIGV4_MAX_QUERY_PARAMS);
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* Payload hash: UNSIGNED-PAYLOAD, the body's SHA-256, or (botocore's rule) a value the caller put in
 * x-amz-content-sha256 already. */
static void s_hash_payload(const struct ecc_http_request *request, struct s_job *job) {
    const struct ecc_sigv4_sign_options *options = job->options;
    size_t known = job->known.content_sha256;
    const char *existing_hash = known != SIZE_MAX ? request->headers.items[known].value : NULL;
    if (options->payload == ECC_SIGV4_PAYLOAD_UNSIGNED) {
        snprintf(job->payload_hash, sizeof(job->payload_hash), "%s", ECC_SIGV4_UNSIGNED_PAYLOAD);
    } else if (
        existing_hash && !options->add_content_sha256_header && strlen(existing_hash) < sizeof(job->payload_hash)) {
        snprintf(job->payload_hash, sizeof(job->payload_hash), "%s", existing_hash);
    } else {
        uint8_t digest[SIGV4_SHA256_LEN];
        sigv4_sha256(request->body ? (const void *)request->body : "", request->body_len, digest);
        ecc_hex_encode(digest, SIGV4_SHA256_LEN, job->payload_hash);
    }
}

static struct sigv4_canon_input s_canon_input(const struct ecc_http_request *request, const struct s_job *job) {
    return (struct sigv4_canon_input){
        .request = request,
        .query = request->query,
        .rules = {job->options->keep_path_unnormalized, job->options->single_encode_path},
        .selection = {NULL, !job->token_signed},
        .skip_signature_param = false,
        .payload_hash = job->payload_hash,
    };
}

/* Header mode: the headers it signs with go in first, then the canonical request. */
static enum ecc_status
s_canonicalize_with_headers(struct ecc_sigv4_signer *ctx, struct ecc_http_request *request, struct s_job *job) {
    const struct ecc_sigv4_sign_options *options = job->options;
    struct ecc_http_headers *headers = &request->headers;
    const struct s_known_headers *known = &job->known;
    enum ecc_status status;
    if (job->token) {
        status = s_set_header(headers, known, known->token, "X-Amz-Security-Token", job->token, strlen(job->token));
        if (status != ECC_OK) {
            return status;
        }
    }
    status = s_set_header(headers, known, known->date, "X-Amz-Date", job->amz_date, 16);
    if (status != ECC_OK) {
        return status;
    }
    if (options->add_content_sha256_header || options->payload == ECC_SIGV4_PAYLOAD_UNSIGNED) {
        status = s_set_header(
            headers,
            known,
            known->content_sha256,
            "x-amz-content-sha256",
            job->payload_hash,
            strlen(job->payload_hash));
        if (status != ECC_OK) {
            return status;
        }
    }
    struct sigv4_canon_input in = s_canon_input(request, job);
    return sigv4_build_canonical_request(ctx, &in, &ctx->signed_headers);
}

/* X-Amz-Credential: the access key id and the scope. */
static enum ecc_status s_append_credential_param(struct ecc_buf *query, const struct s_job *job) {
    struct ecc_buf credential;
    ecc_buf_init(&credential, ECC_SIGV4_MAX_CANONICAL_BYTES);
    enum ecc_status status = ecc_buf_printf(&credential, "%s/%s", job->credentials->access_key_id, job->scope.text);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_append_query_param(query, "X-Amz-Credential", credential.data);
done:
    ecc_buf_clean_up(&credential);
    return status;
}

/* Query mode: the signed-headers list is needed inside the query before the canonical request exists,
 * so the canonical request is built once for the list, then again over the presigned query. */
static enum ecc_status
s_canonicalize_with_query(struct ecc_sigv4_signer *ctx, const struct ecc_http_request *request, struct s_job *job) {
    struct sigv4_canon_input in = s_canon_input(request, job);
    enum ecc_status status = sigv4_build_canonical_request(ctx, &in, &ctx->signed_headers);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_buf *query = &job->query;
    if (request->query) {
        status = ecc_buf_append_str(query, request->query);
        if (status != ECC_OK) {
            return status;
        }
    }
    char expires[16];
    snprintf(expires, sizeof(expires), "%u", job->expires_s);
    const struct {
        const char *name;
        const char *value; /* NULL: X-Amz-Credential, built from its parts */
        bool present;
    } params[] = {
        {"X-Amz-Algorithm", ECC_SIGV4_ALGORITHM, true},
        {"X-Amz-Credential", NULL, true},
        {"X-Amz-Date", job->amz_date, true},
        {"X-Amz-SignedHeaders", ctx->signed_headers.data, true},
        {"X-Amz-Expires", expires, true},
        {"X-Amz-Security-Token", job->token, job->token_signed},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(params); i++) {
        if (!params[i].present) {
            continue;
        }
        status = params[i].value ? s_append_query_param(query, params[i].name, params[i].value)
                                 : s_append_credential_param(query, job);
        if (status != ECC_OK) {
            return status;
        }
    }
    in.query = query->data;
    return sigv4_build_canonical_request(ctx, &in, &ctx->signed_headers);
}

/* The string to sign and the signature, with the cached or a freshly derived key. */
static enum ecc_status s_sign_with_key(struct ecc_sigv4_signer *ctx, const struct s_job *job) {
    struct sigv4_hmac_key key;
    const char *secret = job->credentials->secret_access_key;
    const struct sigv4_hmac_key *signing_key =
        sigv4_signing_key(job->options->key_cache, &ctx->key_memo, secret, strlen(secret), &job->scope, &key);
    enum ecc_status status = sigv4_sign_canonical(ctx, job->amz_date, &job->scope, signing_key);
    if (signing_key == &key) {
        ecc_secure_zero(&key, sizeof(key));
    }
    return status;
}

/* Header mode: Authorization, written in place when the request has one already. */
static enum ecc_status
s_write_authorization(struct ecc_sigv4_signer *ctx, struct ecc_http_request *request, const struct s_job *job) {
    const struct sigv4_piece pieces[] = {
        SIGV4_PIECE(ECC_SIGV4_ALGORITHM " Credential="),
        {job->credentials->access_key_id, job->access_key_id_len},
        SIGV4_PIECE("/"),
        {job->scope.text, job->scope.text_len},
        SIGV4_PIECE(", SignedHeaders="),
        {ctx->signed_headers.data, ctx->signed_headers.len},
        SIGV4_PIECE(", Signature="),
        {ctx->signature, 2 * SIGV4_SHA256_LEN},
    };
    const struct s_known_headers *known = &job->known;
    if (known->authorization != SIZE_MAX && !known->repeated) {
        return s_replace_value_pieces(&request->headers.items[known->authorization], pieces, ECC_ARRAY_LEN(pieces));
    }
    struct ecc_buf *authorization = &ctx->scratch2;
    ecc_buf_reset(authorization);
    enum ecc_status status = sigv4_append_pieces(authorization, pieces, ECC_ARRAY_LEN(pieces));
    if (status != ECC_OK) {
        return status;
    }
    return s_set_header(
        &request->headers, known, known->authorization, "Authorization", authorization->data, authorization->len);
}

/* Query mode: the token when it goes in after signing, then X-Amz-Signature; the presigned query then
 * replaces the request's. */
static enum ecc_status
s_write_presigned_query(struct ecc_sigv4_signer *ctx, struct ecc_http_request *request, struct s_job *job) {
    enum ecc_status status;
    if (job->token && !job->token_signed) {
        status = s_append_query_param(&job->query, "X-Amz-Security-Token", job->token);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = s_append_query_param(&job->query, "X-Amz-Signature", ctx->signature);
    if (status != ECC_OK) {
        return status;
    }
    char *text = ecc_buf_steal(&job->query);
    if (!text) {
        return ECC_ERR_NOMEM;
    }
    free(request->query);
    request->query = text;
    return ECC_OK;
}

enum ecc_status ecc_sigv4_signer_sign(
    struct ecc_sigv4_signer *ctx,
    struct ecc_http_request *request,
    const struct ecc_sigv4_sign_options *options,
    struct ecc_diag *diag) {
    /* Not zeroed as a whole (the scope is 600 bytes, on every signature): each step sets what it finds. */
    struct s_job job;
    job.options = options;
    job.credentials = options->credentials;
    enum ecc_status status = s_check_options(&job, request, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_check_headers(ctx, request, &job, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_check_auth_absent(request, &job, diag);
    if (status != ECC_OK) {
        return status;
    }
    s_stamp(ctx, &job);
    status = s_check_room(request, &job, diag);
    if (status != ECC_OK) {
        return status;
    }
    s_hash_payload(request, &job);

    bool header_mode = options->mode == ECC_SIGV4_MODE_HEADER;
    ecc_buf_init(&job.query, ECC_SIGV4_MAX_CANONICAL_BYTES);
    status =
        header_mode ? s_canonicalize_with_headers(ctx, request, &job) : s_canonicalize_with_query(ctx, request, &job);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = s_sign_with_key(ctx, &job);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = header_mode ? s_write_authorization(ctx, request, &job) : s_write_presigned_query(ctx, request, &job);
    if (status != ECC_OK) {
        goto on_error;
    }
    ecc_buf_clean_up(&job.query);
    return ECC_OK;
on_error:
    ecc_diag_set(diag, "signing failed: %s (a request part is past its size cap?)", ecc_status_name(status));
    ecc_buf_clean_up(&job.query);
    return status;
}

enum ecc_status
ecc_sigv4_sign(struct ecc_http_request *request, const struct ecc_sigv4_sign_options *options, struct ecc_diag *diag) {
    struct ecc_sigv4_signer ctx;
    sigv4_context_init(&ctx);
    enum ecc_status status = ecc_sigv4_signer_sign(&ctx, request, options, diag);
    sigv4_context_clean_up(&ctx);
    return status;
}
