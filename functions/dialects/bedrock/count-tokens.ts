import type { ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { CountRequest, CountResult } from '../../ir/token-count.ts';
import { buildConverseRequest } from './build-request.ts';
import { bedrockClient, bedrockSdk } from './client.ts';
import { classifySendError } from './errors.ts';
import { contentRefusal } from '../shared/documents.ts';

/**
 * Bedrock's CountTokens API with the Converse form of the request (messages, system, toolConfig,
 * additionalModelRequestFields), built as a Converse call would be. Claude models only (isClaude):
 * the others do not count.
 */
export async function countBedrockTokens(request: CountRequest, target: TargetCall, io: ProviderIO): Promise<CountResult> {
  const region = target.provider.region;
  if (!region) return { ok: false, failure: { kind: 'unsupported', message: `provider "${target.provider.name}" has no Bedrock region` } };
  // Server tools and Anthropic-only blocks would be left out of a Converse count: only Anthropic counts those.
  const refusal = request.chat ? contentRefusal(request.chat, { dialect: 'bedrock', kind: 'bedrock' }) : 'the request holds content Bedrock cannot count (only Anthropic can)';
  if (!request.chat || refusal) return { ok: false, failure: { kind: 'unsupported', message: refusal ?? '' } };
  const built = buildConverseRequest(request.chat, target.model);
  if (!built.ok) return built;
  const { messages, system, toolConfig, additionalModelRequestFields } = built.request.input;
  try {
    const [client, { CountTokensCommand }] = await Promise.all([bedrockClient(region, target.provider.baseUrl), bedrockSdk()]);
    const converse = { messages, ...(system ? { system } : {}), ...(toolConfig ? { toolConfig } : {}), ...(additionalModelRequestFields ? { additionalModelRequestFields } : {}) };
    const answer = await client.send(new CountTokensCommand({ modelId: target.model, input: { converse } }), { abortSignal: io.signal });
    if (typeof answer.inputTokens !== 'number') return { ok: false, failure: { kind: 'server', message: 'Bedrock answered CountTokens without inputTokens' } };
    return { ok: true, inputTokens: answer.inputTokens };
  } catch (error) {
    return { ok: false, failure: classifySendError(error, io.signal) };
  }
}
