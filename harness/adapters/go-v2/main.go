// ecsconf client adapter for the AWS SDK for Go v2 (github.com/aws/aws-sdk-go-v2, service/ecs), built
// offline from Debian's golang-github-aws-aws-sdk-go-v2-dev (1.17.1, service/ecs 1.18.26, in Debian 12)
// in GOPATH mode: see harness/adapters/go-build.sh. The contract is `ecsconf client --help`'s.
//
// Parameters: ECSCONF_PARAMS is decoded strictly into ecs.RunTaskInput (Go's encoding/json matches the
// lower-camel member names to the SDK's field names); a member the SDK has no field for means this client
// cannot express the case (exit 89), except clientToken: RunTaskInput in service/ecs 1.18.26 has no
// ClientToken field, so the call is made without it (said on stderr) and the suite's token checks report
// what the SDK sends. Retries: the standard retryer with 3 attempts in all and 10 ms backoff (the suite
// checks what a retry sends, not the wait). Deadline: an http.Client timeout of ECSCONF_ATTEMPT_TIMEOUT_MS
// per attempt. An error that is not an answer of the service is reported by the Go type of its cause
// (*http.httpError, ...). A panic is a crash and fails the case.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"ecsconf/adapter"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
)

// errorName names an error that is not an answer of the service by the Go type of its innermost cause.
func errorName(err error) string {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return strings.TrimPrefix(fmt.Sprintf("%T", err), "*")
		}
		err = inner
	}
}

func main() {
	var input ecs.RunTaskInput
	if !adapter.ReadInput("aws-sdk-go-v2", &input) {
		os.Exit(adapter.CannotExpress)
	}
	client := ecs.New(ecs.Options{
		Region: os.Getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		EndpointResolver: ecs.EndpointResolverFromURL(os.Getenv("ECSCONF_ENDPOINT")),
		HTTPClient:       &http.Client{Timeout: adapter.AttemptTimeout()},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
				return 10 * time.Millisecond, nil
			})
		}),
	})
	output, err := client.RunTask(context.Background(), &input)
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			adapter.PrintError(apiErr.ErrorCode(), apiErr.ErrorMessage())
		} else {
			adapter.PrintError(errorName(err), err.Error())
		}
		return
	}
	adapter.PrintSuccess(output)
}
