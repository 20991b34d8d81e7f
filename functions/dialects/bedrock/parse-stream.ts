import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { StreamEvent } from '../../ir/events.ts';
import { classifyException } from './errors.ts';
import { MALFORMED_STOP_REASONS, mapStopReason } from './finish-reason.ts';
import { mapUsage } from './usage.ts';

export interface StreamContext {
  /** The target's model id (Converse does not name the served model). */
  model: string;
  /** The JSON-mode tool: its input is the answer's text, not a tool call. */
  jsonToolName?: string;
  /** The attempt's signal: after an abort the SDK's stream just ends, which must not read as an end. */
  signal?: AbortSignal;
}

/** The exception members a ConverseStream may carry instead of an event. */
const EXCEPTION_MEMBERS = [
  'internalServerException',
  'modelStreamErrorException',
  'serviceUnavailableException',
  'throttlingException',
  'validationException',
] as const;

interface ToolBlock {
  /** Ordinal of the call in the answer, or -1 for the JSON-mode tool. */
  index: number;
  sawInput: boolean;
}

/**
 * ConverseStream events → IR events. `metadata` (usage) arrives after `messageStop`, so the finish
 * is held until usage has been emitted (or the stream ends). Modeled exceptions (as stream members,
 * or thrown by the SDK's decoder) become an error event; any other thrown error (socket cut)
 * propagates so the attempt loop sees a broken stream. An aborted call ends the SDK's iteration
 * quietly, so an abort is turned back into a throw.
 */
export async function* parseConverseStream(stream: AsyncIterable<ConverseStreamOutput>, context: StreamContext): AsyncGenerator<StreamEvent> {
  const blocks = new Map<number, ToolBlock>();
  let toolCalls = 0;
  let jsonAnswered = false;
  let stopReason: string | undefined;
  let finished = false;

  function* closeTools(): Generator<StreamEvent> {
    for (const block of blocks.values()) yield* closeBlock(block);
    blocks.clear();
  }
  function* closeBlock(block: ToolBlock): Generator<StreamEvent> {
    // A call without arguments still needs a JSON object for its arguments.
    if (!block.sawInput) yield block.index < 0 ? { type: 'text-delta', text: '{}' } : { type: 'tool-call-delta', index: block.index, arguments: '{}' };
    if (block.index >= 0) yield { type: 'tool-call-end', index: block.index };
  }
  function* finish(): Generator<StreamEvent> {
    if (finished || stopReason === undefined) return;
    finished = true;
    yield* closeTools();
    if (MALFORMED_STOP_REASONS.has(stopReason)) {
      yield { type: 'error', failure: { kind: 'server', message: `Bedrock ended the answer with ${stopReason}`, providerCode: stopReason } };
      return;
    }
    // In JSON mode the forced tool's input was the answer: a clean stop, not a tool call.
    const reason = stopReason === 'tool_use' && jsonAnswered && toolCalls === 0 ? 'stop' : mapStopReason(stopReason);
    yield { type: 'finish', reason, providerReason: stopReason };
  }

  try {
    for await (const event of stream) {
      if (event.messageStart) {
        yield { type: 'start', model: context.model };
      } else if (event.contentBlockStart) {
        const toolUse = event.contentBlockStart.start?.toolUse;
        const blockIndex = event.contentBlockStart.contentBlockIndex ?? -1;
        if (!toolUse) continue;
        if (toolUse.name === context.jsonToolName) {
          jsonAnswered = true;
          blocks.set(blockIndex, { index: -1, sawInput: false });
        } else {
          const index = toolCalls++;
          blocks.set(blockIndex, { index, sawInput: false });
          yield { type: 'tool-call-start', index, id: toolUse.toolUseId ?? `tooluse_${index}`, name: toolUse.name ?? '' };
        }
      } else if (event.contentBlockDelta) {
        const delta = event.contentBlockDelta.delta;
        if (!delta) continue;
        if (delta.text !== undefined) {
          if (delta.text !== '') yield { type: 'text-delta', text: delta.text };
        } else if (delta.toolUse) {
          const block = blocks.get(event.contentBlockDelta.contentBlockIndex ?? -1);
          const input = delta.toolUse.input ?? '';
          if (!block || input === '') continue;
          block.sawInput = true;
          yield block.index < 0 ? { type: 'text-delta', text: input } : { type: 'tool-call-delta', index: block.index, arguments: input };
        } else if (delta.reasoningContent) {
          const reasoning = delta.reasoningContent;
          if (reasoning.text) yield { type: 'reasoning-delta', text: reasoning.text };
          if (reasoning.signature) yield { type: 'reasoning-delta', text: '', signature: reasoning.signature };
          // redactedContent has no IR form: dropped.
        }
      } else if (event.contentBlockStop) {
        const blockIndex = event.contentBlockStop.contentBlockIndex ?? -1;
        const block = blocks.get(blockIndex);
        if (!block) continue;
        blocks.delete(blockIndex);
        yield* closeBlock(block);
      } else if (event.messageStop) {
        stopReason = event.messageStop.stopReason ?? 'end_turn';
      } else if (event.metadata) {
        if (event.metadata.usage) yield { type: 'usage', usage: mapUsage(event.metadata.usage) };
        yield* finish();
      } else {
        for (const member of EXCEPTION_MEMBERS) {
          const exception = event[member];
          if (!exception) continue;
          yield { type: 'error', failure: classifyException(member, exception.message ?? '') ?? { kind: 'server', message: member } };
          return;
        }
        // Unknown events ($unknown, future members) are ignored.
      }
    }
  } catch (error) {
    // The SDK's decoder throws modeled stream exceptions; anything else is a broken stream.
    const e = error as { name?: string; message?: string; $fault?: string };
    const failure = e?.$fault !== undefined && e.name ? classifyException(e.name, e.message ?? '') : undefined;
    if (!failure) throw error;
    yield { type: 'error', failure };
    return;
  }
  if (context.signal?.aborted) throw context.signal.reason instanceof Error ? context.signal.reason : new Error('aborted');
  yield* finish();
}
