import { describe, expect, it } from 'vitest';
import { parseResponsesRequest } from '../../../functions/dialects/openai-responses/parse-request.ts';
import { FREEFORM_PARAMETERS } from '../../../functions/ir/request.ts';

const parse = (body: unknown) => {
  const result = parseResponsesRequest(body);
  if (!result.ok) throw new Error(result.error.message);
  return result.request;
};

describe('parseResponsesRequest', () => {
  it('a string input is one user message; instructions are the system prompt; unknown fields go to passthrough', () => {
    const request = parse({ model: 'm', input: 'Hi', instructions: 'Be brief.', store: false, prompt_cache_key: 'k', future: 1 });
    expect(request).toMatchObject({
      model: 'm',
      stream: false,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      passthrough: { dialect: 'openai-responses', fields: { store: false, prompt_cache_key: 'k', future: 1 } },
    });
  });

  it('assistant-side items in a row form one assistant turn; tool outputs name their tool', () => {
    const request = parse({
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Go' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: 'gAAAA' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'On it.' }] },
        { type: 'function_call', call_id: 'c1', name: 'run', arguments: '{"x":1}' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: 'patch "text"' },
        { type: 'function_call_output', call_id: 'c1', output: 'ok' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'applied' }] },
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'thinking', encrypted: { data: 'gAAAA', itemId: 'rs_1' } },
          { type: 'text', text: 'On it.' },
          { type: 'tool-call', id: 'c1', name: 'run', arguments: '{"x":1}' },
          { type: 'tool-call', id: 'c2', name: 'apply_patch', arguments: JSON.stringify({ input: 'patch "text"' }) },
        ],
      },
      { role: 'tool', toolCallId: 'c1', toolName: 'run', content: [{ type: 'text', text: 'ok' }] },
      { role: 'tool', toolCallId: 'c2', toolName: 'apply_patch', content: [{ type: 'text', text: 'applied' }] },
    ]);
  });

  it('tools: function, custom with a grammar, a namespace group, built-ins kept aside; tool_choice by name', () => {
    const request = parse({
      model: 'm',
      input: 'x',
      tools: [
        { type: 'function', name: 'run', parameters: { type: 'object', properties: {} }, strict: true },
        { type: 'custom', name: 'apply_patch', description: 'Edit', format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' } },
        { type: 'namespace', name: 'agents', description: 'Sub-agents', tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object' } }] },
        { type: 'web_search' },
      ],
      tool_choice: { type: 'function', name: 'spawn', namespace: 'agents' },
    });
    expect(request.tools).toEqual([
      { name: 'run', parameters: { type: 'object', properties: {} }, strict: true },
      {
        name: 'apply_patch',
        description: expect.stringContaining('start: /.+/'),
        parameters: FREEFORM_PARAMETERS,
        freeform: { format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' }, description: 'Edit' },
      },
      { name: 'agents__spawn', parameters: { type: 'object' }, namespace: { name: 'agents', tool: 'spawn', description: 'Sub-agents' } },
    ]);
    expect(request.toolChoice).toEqual({ type: 'tool', name: 'agents__spawn' });
    expect(request.passthrough?.fields.tools).toEqual([{ type: 'web_search' }]);
  });

  it('reasoning tokens the proxy wrote are read back: a signature, or encrypted content with its issuer and item id', () => {
    const request = parse({
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { type: 'reasoning', id: 'rs_a', summary: [], encrypted_content: 'understudy.1:claude:s:redacted_thinking:abc' },
        { type: 'reasoning', id: 'rs_b', summary: [], encrypted_content: 'understudy.1:openai:r:rs_orig:gAAAA' },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: '', signature: 'redacted_thinking:abc' },
        { type: 'reasoning', text: '', encrypted: { data: 'gAAAA', issuer: 'openai', itemId: 'rs_orig' } },
      ],
    });
  });

  it('reasoning effort, max_output_tokens, text.format and bad values', () => {
    const request = parse({ model: 'm', input: 'x', reasoning: { effort: 'high', summary: 'auto' }, max_output_tokens: 100, text: { format: { type: 'json_object' } } });
    expect(request).toMatchObject({ reasoning: { effort: 'high' }, maxTokens: 100, responseFormat: { type: 'json' } });
    const bad = (body: unknown) => parseResponsesRequest(body);
    expect(bad({ model: 'm', input: 'x', include: 'reasoning' })).toMatchObject({ ok: false, error: { status: 400, param: 'include' } });
    expect(bad({ model: 'm', input: 'x', stream: 'yes' })).toMatchObject({ ok: false, error: { param: 'stream' } });
    expect(bad({ model: 'm', input: [{ role: 'robot', content: 'x' }] })).toMatchObject({ ok: false, error: { param: 'input[0].role' } });
    expect(bad({ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] })).toMatchObject({ ok: false, error: { param: 'input[0].type' } });
    expect(bad({ model: 'm', input: 'x', tools: [{ type: 'custom', name: 'p', format: 'lark' }] })).toMatchObject({ ok: false, error: { param: 'tools[0].format' } });
    expect(bad([])).toMatchObject({ ok: false, error: { status: 400 } });
  });
});
