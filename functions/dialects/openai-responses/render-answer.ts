import type { Answer } from '../../ir/answer.ts';
import type { ResponseMeta } from '../../ir/dialect.ts';
import { outputItems } from './output-items.ts';
import { responseObject } from './response-object.ts';
import { statusFromFinish } from './status.ts';

/** An Answer as a Response object (a client that did not ask for a stream). */
export function renderResponsesAnswer(answer: Answer, meta: ResponseMeta): string {
  const { status, incomplete } = statusFromFinish(answer.finishReason);
  const response = responseObject(meta, {
    status,
    output: outputItems(answer, meta),
    ...(answer.usage ? { usage: answer.usage } : {}),
    ...(incomplete ? { incomplete } : {}),
  });
  meta.onResponse?.(response);
  return JSON.stringify(response);
}
