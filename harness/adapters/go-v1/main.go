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
	"fmt"
	"net/http"
	"os"
	"time"

	"ecsconf/adapter"
	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/client"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/ecs"
)

func main() {
	var input ecs.RunTaskInput
	if !adapter.ReadInput("aws-sdk-go", &input) {
		os.Exit(adapter.CannotExpress)
	}
	sess, err := session.NewSession(&aws.Config{
		Region:      aws.String(os.Getenv("AWS_REGION")),
		Endpoint:    aws.String(os.Getenv("ECSCONF_ENDPOINT")),
		Credentials: credentials.NewStaticCredentials(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		HTTPClient:  &http.Client{Timeout: adapter.AttemptTimeout()},
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
		if aerr, ok := err.(awserr.Error); ok {
			adapter.PrintError(aerr.Code(), aerr.Message())
		} else {
			adapter.PrintError("Error", err.Error())
		}
		return
	}
	adapter.PrintSuccess(output)
}
