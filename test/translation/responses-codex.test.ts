import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openaiTextFrames } from '../support/fake-provider.ts';
import { fakeHttp, proxyFor, sseFixture, useCleanups, type Target } from './upstreams.ts';

/**
 * Codex CLI's captured requests (test/fixtures/clients) through the Responses route to a
 * Chat-Completions-only provider, an Anthropic one and a Responses one: every turn is served, and
 * what Codex relies on (its namespaced tools, the function call history, store: false, include,
 * prompt_cache_key) survives as far as each target can take it.
 */

useCleanups();

interface Capture {
  exchanges: { path: string; body: Record<string, unknown> }[];
}

const codex = JSON.parse(readFileSync(new URL('../fixtures/clients/codex-tool.json', import.meta.url), 'utf8')) as Capture;
const turns = codex.exchanges.filter((e) => e.path === '/v1/responses').map((e) => ({ ...e.body, model: 'alias' }));

async function replay(target: Target): Promise<string[]> {
  const h = await proxyFor([target]);
  const bodies: string[] = [];
  for (const turn of turns) {
    const response = await fetch(`${h.proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: JSON.stringify(turn) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const body = await response.text();
    expect(body).toContain('event: response.completed');
    bodies.push(body);
  }
  return bodies;
}

describe('Codex CLI requests on the Responses route', () => {
  it('the captures hold both turns (text, then a function call and its output)', () => {
    expect(turns).toHaveLength(2);
    expect(turns[0]).toMatchObject({ store: false, include: ['reasoning.encrypted_content'], stream: true });
  });

  it('→ Chat-Completions-only: developer messages become system, namespaced tools flatten, the call history becomes tool messages', async () => {
    const up = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['Understudy.']) }));
    await replay({ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' });
    const second = up.requests[1]!.body as { messages: { role: string; tool_call_id?: string }[]; tools: { function: { name: string } }[] };
    expect(second.messages[0]!.role).toBe('system');
    expect(second.messages.slice(-2).map((m) => m.role)).toEqual(['assistant', 'tool']);
    expect(second.messages.at(-1)!.tool_call_id).toBe('call_capture01');
    const names = second.tools.map((t) => t.function.name);
    expect(names).toContain('exec_command');
    expect(names).toContain('multi_agent_v1__close_agent');
    expect(names).not.toContain('web_search');
  });

  it('→ Anthropic: served, with the tool history as tool_use and tool_result', async () => {
    const up = await fakeHttp(() => sseFixture('anthropic', 'text'));
    await replay({ kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' });
    const second = up.requests[1]!.body as { messages: { role: string; content: { type: string }[] }[]; tools: { name: string }[] };
    const blocks = second.messages.flatMap((m) => m.content.map((b) => b.type));
    expect(blocks).toContain('tool_use');
    expect(blocks).toContain('tool_result');
    expect(second.tools.map((t) => t.name)).toContain('multi_agent_v1__spawn_agent');
  });

  it('→ Responses provider: the namespace regrouped, web_search, store, include and prompt_cache_key kept', async () => {
    const up = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    await replay({ kind: 'openai', url: `${up.url}/v1`, model: 'gpt-5-codex' });
    const sent = up.requests[1]!.body as Record<string, unknown> & { tools: { type: string; name?: string }[]; input: { type?: string; name?: string }[] };
    const original = turns[1] as unknown as { tools: { type: string; name?: string }[]; prompt_cache_key: string };
    expect(sent.tools.map((t) => `${t.type}:${t.name ?? ''}`)).toEqual(original.tools.map((t) => `${t.type}:${t.name ?? ''}`));
    expect(sent).toMatchObject({ model: 'gpt-5-codex', store: false, include: ['reasoning.encrypted_content'], prompt_cache_key: original.prompt_cache_key, parallel_tool_calls: true });
    expect(sent.input.filter((i) => i.type === 'function_call')).toEqual([expect.objectContaining({ name: 'exec_command', call_id: 'call_capture01' })]);
  });
});

describe('a developer message in the middle of a Responses conversation', () => {
  it('stays in place for a Responses target built from the IR and is the system prompt only when it comes first', async () => {
    const up = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    // A compatible vendor's Responses API: built from the IR (an `openai` target gets the client's own body).
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'gpt-5', apis: ['responses'] }]);
    await h.openai.responses.create({
      model: 'alias',
      input: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: 'Now answer in French.' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    const sent = up.requests[0]!.body as { instructions: string; input: { role?: string }[] };
    expect(sent.instructions).toBe('Be terse.');
    expect(sent.input.map((i) => i.role)).toEqual(['user', 'developer', 'user']);
  });
});
