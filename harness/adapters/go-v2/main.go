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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
)

const cannotExpress = 89

func attemptTimeout() time.Duration {
	ms, err := strconv.Atoi(os.Getenv("ECSCONF_ATTEMPT_TIMEOUT_MS"))
	if err != nil || ms <= 0 {
		ms = 10000
	}
	return time.Duration(ms) * time.Millisecond
}

// readInput decodes the parameters; false (with the reason printed) when the SDK cannot express them.
func readInput(input *ecs.RunTaskInput) bool {
	raw, err := os.ReadFile(os.Getenv("ECSCONF_PARAMS"))
	if err != nil {
		fmt.Println("cannot read ECSCONF_PARAMS:", err)
		os.Exit(1)
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(raw, &params); err != nil {
		fmt.Println("ECSCONF_PARAMS is not a JSON object:", err)
		os.Exit(1)
	}
	if _, ok := params["clientToken"]; ok {
		fmt.Fprintln(os.Stderr, "aws-sdk-go-v2: RunTaskInput has no ClientToken field; the call is made without the given clientToken")
		delete(params, "clientToken")
	}
	strict, _ := json.Marshal(params)
	decoder := json.NewDecoder(bytes.NewReader(strict))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(input); err != nil {
		fmt.Println("aws-sdk-go-v2's RunTaskInput cannot hold these parameters:", err)
		return false
	}
	return true
}

func printLine(line map[string]interface{}) {
	text, _ := json.Marshal(line)
	fmt.Println(string(text))
}

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
	if !readInput(&input) {
		os.Exit(cannotExpress)
	}
	client := ecs.New(ecs.Options{
		Region: os.Getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		EndpointResolver: ecs.EndpointResolverFromURL(os.Getenv("ECSCONF_ENDPOINT")),
		HTTPClient:       &http.Client{Timeout: attemptTimeout()},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
				return 10 * time.Millisecond, nil
			})
		}),
	})
	output, err := client.RunTask(context.Background(), &input)
	if err != nil {
		line := map[string]interface{}{"ok": false, "error": errorName(err), "message": err.Error(),
			"unsupported": []string{"resourceIds"}}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			line["error"] = apiErr.ErrorCode()
			line["message"] = apiErr.ErrorMessage()
		}
		printLine(line)
		return
	}
	arns := []interface{}{}
	for _, task := range output.Tasks {
		if task.TaskArn != nil {
			arns = append(arns, *task.TaskArn)
		} else {
			arns = append(arns, nil)
		}
	}
	failures := []map[string]string{}
	for _, failure := range output.Failures {
		item := map[string]string{}
		if failure.Arn != nil {
			item["arn"] = *failure.Arn
		}
		if failure.Reason != nil {
			item["reason"] = *failure.Reason
		}
		if failure.Detail != nil {
			item["detail"] = *failure.Detail
		}
		failures = append(failures, item)
	}
	printLine(map[string]interface{}{"ok": true, "taskArns": arns, "failures": failures})
}
