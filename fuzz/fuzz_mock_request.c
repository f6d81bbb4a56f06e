/*
 * Fuzz target: the client-direction mock's request matcher and checker (mock.h, `ecc_mock_fuzz_one`),
 * what every SDK under test sends its requests to.
 *
 * Input: one request in the SigV4 suite's request text form ("METHOD target HTTP/1.1", "Name:value"
 * lines, an empty line, the body). The entry signs it with the mock's key (unless it starts with '~')
 * and hands it to a mock holding a recorded error (500 ServerException) and a recorded success for
 * the RunTask body {"cluster":"c","taskDefinition":"f","count":1}, twice (a retry).
 * Oracle, for each of the two answers:
 *  1. a well-formed AWS JSON answer whose status and `__type` agree with the error table where the
 *     type is known (fuzz_aws_answer.h): signature failures, no-match answers and the recorded ones
 *     alike; a 5xx only as the recorded ServerException;
 *  2. bounded: an answer body never exceeds S_MAX_ANSWER_BYTES whatever the request (the no-match
 *     diff is capped), and the run stays within malloc_limit_mb (fuzz_mock_request.options);
 *  3. the exchanges are played in order: when the first answer is the recorded error, the identical
 *     retry is answered with the recorded success;
 *  4. no leaks and no memory errors (sanitizers).
 */
#include "fuzz_aws_answer.h"

#include "ecc/mock.h"

#define S_MAX_ANSWER_BYTES (64 * 1024)

struct s_answers {
    int statuses[2];
    size_t count;
};

static void
s_on_answer(void *user_data, const struct ecc_http_request *request, const struct ecc_http_response *response) {
    (void)request;
    struct s_answers *answers = user_data;
    ECC_FUZZ_CHECK(answers->count < 2, "two answers: the request and its retry");
    ECC_FUZZ_CHECK(response->body_len <= S_MAX_ANSWER_BYTES, "the answer is bounded");
    if (response->status >= 500) {
        const char *body = (const char *)response->body;
        ECC_FUZZ_CHECK(
            response->status == 500 && body && strstr(body, "\"ServerException\"") != NULL,
            "a 5xx only as the recorded ServerException");
    }
    ecc_fuzz_check_aws_answer(response, true);
    answers->statuses[answers->count++] = response->status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct s_answers answers = {.count = 0};
    ECC_FUZZ_CHECK(ecc_mock_fuzz_one(data, size, s_on_answer, &answers) == 0, "the entry returns 0");
    if (answers.count == 2 && answers.statuses[0] == 500) {
        ECC_FUZZ_CHECK(answers.statuses[1] == 200, "after the recorded error, the retry gets the recorded success");
    }
    return 0;
}
