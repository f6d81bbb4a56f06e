// ecsconf client adapter for the AWS SDK for Go v1 (github.com/aws/aws-sdk-go), built offline from
// Debian's golang-github-aws-aws-sdk-go-dev (1.44.133 in Debian 12) in GOPATH mode: see
// harness/adapters/go-build.sh. The contract is `ecsconf client --help`'s.
//
// Parameters: ECSCONF_PARAMS is decoded strictly into ecs.RunTaskInput (Go's encoding/json matches the
// lower-camel member names to the SDK's field names); a member the SDK has no field for means this client
// cannot express the case (exit 89), except clientToken: RunTaskInput 1.44 has no ClientToken field, so
// the call is made without it (said on stderr) and the suite's token checks report what the SDK sends.
// Retries: the SDK's default retryer with 3 attempts in all and 10 ms delays (the suite checks what a
// retry sends, not the wait). Deadline: an http.Client timeout of ECSCONF_ATTEMPT_TIMEOUT_MS per attempt.
// An error that is not an answer of the service is reported by the SDK's error code (RequestError, ...).
// A panic is a crash and fails the case.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/client"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/ecs"
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
		fmt.Fprintln(os.Stderr, "aws-sdk-go: RunTaskInput has no ClientToken field; the call is made without the given clientToken")
		delete(params, "clientToken")
	}
	strict, _ := json.Marshal(params)
	decoder := json.NewDecoder(bytes.NewReader(strict))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(input); err != nil {
		fmt.Println("aws-sdk-go's RunTaskInput cannot hold these parameters:", err)
		return false
	}
	return true
}

func printLine(line map[string]interface{}) {
	text, _ := json.Marshal(line)
	fmt.Println(string(text))
}

func main() {
	var input ecs.RunTaskInput
	if !readInput(&input) {
		os.Exit(cannotExpress)
	}
	sess, err := session.NewSession(&aws.Config{
		Region:      aws.String(os.Getenv("AWS_REGION")),
		Endpoint:    aws.String(os.Getenv("ECSCONF_ENDPOINT")),
		Credentials: credentials.NewStaticCredentials(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		HTTPClient:  &http.Client{Timeout: attemptTimeout()},
		Retryer: client.DefaultRetryer{
			NumMaxRetries:    2,
			MinRetryDelay:    10 * time.Millisecond,
			MaxRetryDelay:    10 * time.Millisecond,
			MinThrottleDelay: 10 * time.Millisecond,
			MaxThrottleDelay: 10 * time.Millisecond,
		},
	})
	if err != nil {
		fmt.Println("cannot make a session:", err)
		os.Exit(1)
	}
	output, err := ecs.New(sess).RunTask(&input)
	if err != nil {
		line := map[string]interface{}{"ok": false, "error": "Error", "message": err.Error(),
			"unsupported": []string{"resourceIds"}}
		if aerr, ok := err.(awserr.Error); ok {
			line["error"] = aerr.Code()
			line["message"] = aerr.Message()
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
