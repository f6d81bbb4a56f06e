// Package adapter is what the AWS SDK for Go v1 and v2 adapters (go-v1/, go-v2/) share of the client
// adapter contract (`ecsconf client --help`): the per-attempt deadline, the strict reading of
// ECSCONF_PARAMS into an SDK's RunTaskInput, and the one answer line. Each adapter keeps what differs
// between the SDKs: the client's construction, its retryer, and how an error names itself. Built with
// them in GOPATH mode as the import path "ecsconf/adapter" (harness/adapters/go-build.sh).
package adapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// CannotExpress is the exit status by which an adapter says its client cannot express the case.
const CannotExpress = 89

// AttemptTimeout is ECSCONF_ATTEMPT_TIMEOUT_MS as a duration (10 s when unset or not a positive number).
func AttemptTimeout() time.Duration {
	ms, err := strconv.Atoi(os.Getenv("ECSCONF_ATTEMPT_TIMEOUT_MS"))
	if err != nil || ms <= 0 {
		ms = 10000
	}
	return time.Duration(ms) * time.Millisecond
}

// ReadInput decodes ECSCONF_PARAMS strictly into input (an SDK's *RunTaskInput, which has no ClientToken
// field: a given clientToken is dropped, said on stderr); false, with the reason printed, when the SDK
// cannot express the parameters. `sdk` names the SDK in those lines. An unreadable file exits 1.
func ReadInput(sdk string, input interface{}) bool {
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
		fmt.Fprintln(os.Stderr, sdk+": RunTaskInput has no ClientToken field; the call is made without the given clientToken")
		delete(params, "clientToken")
	}
	strict, _ := json.Marshal(params)
	decoder := json.NewDecoder(bytes.NewReader(strict))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(input); err != nil {
		fmt.Println(sdk+"'s RunTaskInput cannot hold these parameters:", err)
		return false
	}
	return true
}

func printLine(line map[string]interface{}) {
	text, _ := json.Marshal(line)
	fmt.Println(string(text))
}

// PrintError prints the answer line of a call that failed: the error's code and message (neither SDK
// exposes an error's resourceIds, so the line says it cannot report them).
func PrintError(code, message string) {
	printLine(map[string]interface{}{"ok": false, "error": code, "message": message,
		"unsupported": []string{"resourceIds"}})
}

// PrintSuccess prints the answer line of a call that succeeded: the task ARNs (null where a task has none)
// and the failures. `output` is an SDK's *RunTaskOutput: both SDKs name its fields as the API does (Tasks,
// TaskArn, Failures, Arn, Reason, Detail), so it is read through its JSON form, the same for both.
func PrintSuccess(output interface{}) {
	var read struct {
		Tasks []struct {
			TaskArn *string
		}
		Failures []struct {
			Arn, Reason, Detail *string
		}
	}
	text, err := json.Marshal(output)
	if err == nil {
		err = json.Unmarshal(text, &read)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot read the SDK's RunTaskOutput:", err)
		os.Exit(1)
	}
	arns := []interface{}{}
	for _, task := range read.Tasks {
		if task.TaskArn != nil {
			arns = append(arns, *task.TaskArn)
		} else {
			arns = append(arns, nil)
		}
	}
	items := []map[string]string{}
	for _, failure := range read.Failures {
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
		items = append(items, item)
	}
	printLine(map[string]interface{}{"ok": true, "taskArns": arns, "failures": items})
}
