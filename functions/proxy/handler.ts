import type { LambdaFunctionURLEvent } from 'aws-lambda';
import middy from '@middy/core';
import { createAwsRuntime } from '../adapters/aws-runtime.ts';
import { awsStatusPage } from '../adapters/aws-status-page.ts';
import { lambdaBody, preludeHeaders, toProxyRequest } from './lambda-http.ts';

/**
 * The proxy on Lambda: a function URL in RESPONSE_STREAM mode. middy's streaming mode writes the
 * status and headers (the prelude) only when the handler returns, and the core returns only at its
 * commit point, so failover stays invisible until the first token. `requestEnd` runs after the body
 * has been piped: that is where the breaker outcome and the metrics are awaited, because Lambda
 * freezes the instance once the handler settles.
 */

// Everything that can be prepared per instance starts at init, not on the first request.
const runtime = createAwsRuntime(process.env, {}, { statusPage: awsStatusPage });
const pending = new WeakMap<object, Promise<void>>();
/** Each invocation's deadline: the wait for its shadow calls stops there. */
const deadlines = new WeakMap<object, number>();

/** Time kept back from Lambda's own timeout to write the error and flush metrics. */
const DEADLINE_MARGIN_MS = 1_500;

export const handler = middy<LambdaFunctionURLEvent>({
  streamifyResponse: true,
  requestEnd: async (request) => {
    await pending.get(request.event);
    await runtime.afterRequest(deadlines.get(request.event));
  },
}).handler(async (event, context) => {
  const proxy = await runtime.ready();
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 900_000;
  const deadline = Date.now() + remaining - DEADLINE_MARGIN_MS;
  deadlines.set(event, deadline);
  const { response, done } = await proxy.handle(toProxyRequest(event), { deadline });
  pending.set(event, done);
  return {
    statusCode: response.status,
    headers: preludeHeaders(response),
    body: lambdaBody(response),
  };
});
