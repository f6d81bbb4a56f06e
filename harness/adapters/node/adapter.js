#!/usr/bin/env node
// ecsconf client adapter for @aws-sdk/client-ecs (AWS SDK for JavaScript v3) on Node 20.
// Install first: (cd harness/adapters/node && npm ci). See `ecsconf client --help` for the contract.
// Retries: 3 attempts in all with a 10 ms backoff (the suite checks what a retry sends, not the wait).
// Deadlines: connection and request timeouts of ECSCONF_ATTEMPT_TIMEOUT_MS (the request timeout set
// to throw, see below). An error the SDK raises
// that is not an answer of the service (a timeout, a reset, an answer it cannot read) is reported by
// its name (and code); a TypeError, ReferenceError or RangeError is a crash and fails the case.
'use strict';
const fs = require('fs');

let ECSClient, RunTaskCommand;
try {
  ({ ECSClient, RunTaskCommand } = require('@aws-sdk/client-ecs'));
} catch (error) {
  console.log(`@aws-sdk/client-ecs is not installed (run npm ci in harness/adapters/node): ${error.message.split('\n')[0]}`);
  process.exit(89);
}

// The retry strategy class moved from @smithy/util-retry into @smithy/core; use whichever is there.
function retryStrategy() {
  for (const name of ['@smithy/util-retry', '@smithy/core/retry']) {
    try {
      const { ConfiguredRetryStrategy } = require(name);
      if (ConfiguredRetryStrategy) {
        return { retryStrategy: new ConfiguredRetryStrategy(3, () => 10) };
      }
    } catch (error) {
      // try the next place
    }
  }
  return { maxAttempts: 3 };
}

async function main() {
  const params = JSON.parse(fs.readFileSync(process.env.ECSCONF_PARAMS, 'utf8'));
  const attemptTimeoutMs = Number(process.env.ECSCONF_ATTEMPT_TIMEOUT_MS || 10000);
  const client = new ECSClient({
    endpoint: process.env.ECSCONF_ENDPOINT,
    region: process.env.AWS_REGION,
    // throwOnRequestTimeout: without it, @smithy/node-http-handler 4.x only logs a warning when the
    // requestTimeout passes and the call waits for ever on an answer that never comes.
    requestHandler: {
      connectionTimeout: attemptTimeoutMs, requestTimeout: attemptTimeoutMs, throwOnRequestTimeout: true,
    },
    ...retryStrategy(),
  });
  try {
    const body = await client.send(new RunTaskCommand(params));
    console.log(JSON.stringify({
      ok: true,
      taskArns: (body.tasks || []).map((t) => t.taskArn),
      failures: body.failures || [],
    }));
  } catch (error) {
    if (error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError) {
      throw error; // a bug in the SDK or the adapter: a crash, reported as garbage
    }
    const name = error.name && error.name !== 'Error' ? error.name : (error.code || error.name || 'Error');
    const line = { ok: false, error: String(name), message: String(error.message || '') };
    if (error.resourceIds !== undefined) {
      line.resourceIds = error.resourceIds;
    }
    console.log(JSON.stringify(line));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
