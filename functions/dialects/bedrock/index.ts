import type { OpenResult, ProbeResult, ProviderDialect, TargetCall } from '../../ir/dialect.ts';
import { buildConverseRequest } from './build-request.ts';
import { bedrockClient, bedrockSdk } from './client.ts';
import { countBedrockTokens } from './count-tokens.ts';
import { embedBedrock } from './embeddings.ts';
import { classifySendError } from './errors.ts';
import { isClaude } from './model-fields.ts';
import { parseConverseStream } from './parse-stream.ts';

/** The word sent by the probe: the cheapest real call Bedrock's runtime offers. */
const PROBE_TEXT = 'ping';

/**
 * AWS Bedrock through the Converse API (ConverseStream), via the AWS SDK: it signs with SigV4 from
 * the default credential chain and decodes the binary event stream. `provider.baseUrl`, when set,
 * overrides the runtime endpoint (VPC endpoints, tests).
 */
export const bedrockProvider: ProviderDialect = {
  dialect: 'bedrock',

  async open(request, target, io): Promise<OpenResult> {
    const region = target.provider.region;
    if (!region) return { ok: false, failure: { kind: 'unsupported', message: `provider "${target.provider.name}" has no Bedrock region` } };
    const built = buildConverseRequest(request, target.model);
    if (!built.ok) return built;
    try {
      const [client, { ConverseStreamCommand }] = await Promise.all([bedrockClient(region, target.provider.baseUrl), bedrockSdk()]);
      const response = await client.send(new ConverseStreamCommand(built.request.input), { abortSignal: io.signal });
      const stream = response.stream;
      if (!stream) return { ok: false, failure: { kind: 'server', message: 'Bedrock answered without an event stream' } };
      const context = { model: target.model, signal: io.signal, ...(built.request.jsonToolName ? { jsonToolName: built.request.jsonToolName } : {}) };
      return { ok: true, events: parseConverseStream(stream, context) };
    } catch (error) {
      return { ok: false, failure: classifySendError(error, io.signal) };
    }
  },

  async probe(target: TargetCall, io): Promise<ProbeResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const region = target.provider.region;
    if (!region) return { ok: false, failure: { kind: 'unsupported', message: `provider "${target.provider.name}" has no Bedrock region` }, latencyMs: 0 };
    try {
      const [client, { ConverseCommand }] = await Promise.all([bedrockClient(region, target.provider.baseUrl), bedrockSdk()]);
      await client.send(
        new ConverseCommand({
          modelId: target.model,
          messages: [{ role: 'user', content: [{ text: PROBE_TEXT }] }],
          inferenceConfig: { maxTokens: 1 },
        }),
        { abortSignal: io.signal },
      );
      return { ok: true, latencyMs: latency() };
    } catch (error) {
      return { ok: false, failure: classifySendError(error, io.signal), latencyMs: latency() };
    }
  },

  canCountTokens: isClaude,
  countTokens: countBedrockTokens,
  embed: embedBedrock,
};
