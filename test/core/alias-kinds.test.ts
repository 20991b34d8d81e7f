import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type Harness } from '../support/proxy-harness.ts';

/** Chat aliases serve only the chat routes, embeddings aliases only /v1/embeddings: a clear 400 otherwise. */
let h: Harness;
beforeAll(async () => {
  h = await startProxy({
    providers: { p: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' } },
    aliases: {
      chat: { targets: [{ provider: 'p', model: 'gpt-4o' }] },
      embed: { kind: 'embeddings', targets: [{ provider: 'p', model: 'text-embedding-3-small' }] },
    },
  });
});
afterAll(() => h.close());

describe('alias kinds', () => {
  it('an embeddings alias on Chat Completions or Messages is a 400 naming the alias kind, in the caller format', async () => {
    const error = await h.openai.chat.completions.create({ model: 'embed', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('the alias "embed" is of kind "embeddings", not "chat"');
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('model');
    const anthropic = new Anthropic({ baseURL: h.proxy.url, apiKey: 'x', maxRetries: 0 });
    const failed = await anthropic.messages.create({ model: 'embed', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Anthropic.BadRequestError);
    expect((failed as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});
