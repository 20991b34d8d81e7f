import { NO_HEADERS } from '../../ir/upstream.ts';
import type { StreamEvent, Usage } from '../../ir/events.ts';
import { parseSse } from '../shared/sse.ts';
import { classifyGeminiError } from './errors.ts';
import { mapFinishReason } from './finish-reason.ts';
import { mapUsage } from './usage.ts';
import type { GeminiChunk } from './wire-types.ts';

/** A tool-call id for Gemini's id-less function calls; unique, since clients send it back. */
export function newToolCallId(): string {
  return `call_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/**
 * Gemini's SSE stream (`alt=sse`) → IR events. Each event is a whole GenerateContentResponse with
 * only the new parts; there is no `[DONE]`, the stream just ends. Function calls arrive whole, so
 * each becomes start + one delta + end. `finishReason` may repeat on every chunk and
 * `usageMetadata` is cumulative: both are held and emitted once at the end (usage, then finish).
 * A stream that ends without any finishReason yields no finish (the attempt loop notices); a cut
 * connection makes the iteration throw.
 */
export async function* parseGeminiStream(body: AsyncIterable<Uint8Array>, newId: () => string = newToolCallId): AsyncGenerator<StreamEvent> {
  let started = false;
  let toolCalls = 0;
  let finishReason: string | undefined;
  let usage: Usage | undefined;

  for await (const message of parseSse(body)) {
    let chunk: GeminiChunk;
    try {
      chunk = JSON.parse(message.data) as GeminiChunk;
    } catch {
      continue; // a malformed event: skip it, the next one resyncs
    }
    if (typeof chunk !== 'object' || chunk === null) continue;
    if (chunk.error) {
      yield { type: 'error', failure: classifyGeminiError(chunk.error.code ?? 0, NO_HEADERS, chunk.error) };
      return;
    }
    if (!started) {
      started = true;
      yield { type: 'start', ...(chunk.responseId ? { id: chunk.responseId } : {}), ...(chunk.modelVersion ? { model: chunk.modelVersion } : {}) };
    }
    if (chunk.promptFeedback?.blockReason) {
      const reason = chunk.promptFeedback.blockReason;
      yield { type: 'error', failure: { kind: 'content-policy', message: `Gemini blocked the prompt (${reason})`, providerCode: reason } };
      return;
    }
    const candidate = chunk.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) {
      if (part.functionCall) {
        const index = toolCalls++;
        yield { type: 'tool-call-start', index, id: part.functionCall.id || newId(), name: part.functionCall.name };
        yield { type: 'tool-call-delta', index, arguments: JSON.stringify(part.functionCall.args ?? {}) };
        yield { type: 'tool-call-end', index };
      } else if (typeof part.text === 'string' && part.text !== '') {
        // A part may carry only a thoughtSignature with empty text: nothing to emit.
        yield part.thought ? { type: 'reasoning-delta', text: part.text } : { type: 'text-delta', text: part.text };
      }
    }
    if (candidate?.finishReason) finishReason = candidate.finishReason;
    if (chunk.usageMetadata) usage = mapUsage(chunk.usageMetadata);
  }

  if (usage) yield { type: 'usage', usage };
  if (finishReason) yield { type: 'finish', reason: mapFinishReason(finishReason, toolCalls > 0), providerReason: finishReason };
}
