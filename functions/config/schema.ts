// A namespace import: with `import { z }` esbuild keeps every locale of zod, half of the Lambda
// bundle (test/infra/bundle-size.test.ts would fail).
import * as z from 'zod';
import { DEFAULT_LIMITS, DEFAULT_POLICY, DEFAULT_RESPONSE_STORE, DEFAULT_SHADOW_TIMEOUT_MS, MAX_PROBES } from './defaults.ts';
import { embeddingsIssues } from './embeddings-alias.ts';
import { PROVIDER_KIND_NAMES, PROVIDER_KINDS, STATUS_PAGE_PRESETS } from './presets.ts';
import { isLoopbackHost } from './resolve.ts';
import { budgetSchema, priceSchema, routedTargetFields, routeSchema, routingIssues } from './routing-schema.ts';

/**
 * The configuration document. Strict everywhere: an unknown field is an error, so a typo fails at
 * start-up instead of silently doing nothing.
 */

const ms = z.number().int().nonnegative();
const positiveMs = z.number().int().positive();

/** A reference to a secret, never the secret itself. */
export const secretRef = z.string().refine((v) => /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(v) || /^ssm:\/\S+$/.test(v), {
  message: 'must be a reference such as env:OPENAI_API_KEY or ssm:/understudy/keys/openai; literal keys are not accepted',
});

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a valid URL: "${value}"` });
    return;
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  ctx.addIssue({
    code: 'custom',
    message: url.protocol === 'http:' ? `http:// is allowed only for loopback hosts, not "${url.hostname}"` : `unsupported protocol "${url.protocol}"`,
  });
});

const breakerSchema = z.strictObject({
  failureRate: z.number().gt(0).lte(1).default(DEFAULT_POLICY.breaker.failureRate),
  windowMs: positiveMs.default(DEFAULT_POLICY.breaker.windowMs),
  minCalls: z.number().int().positive().default(DEFAULT_POLICY.breaker.minCalls),
  consecutiveFailures: z.number().int().positive().default(DEFAULT_POLICY.breaker.consecutiveFailures),
  openMs: positiveMs.default(DEFAULT_POLICY.breaker.openMs),
  maxOpenMs: positiveMs.default(DEFAULT_POLICY.breaker.maxOpenMs),
  longOpenMs: positiveMs.default(DEFAULT_POLICY.breaker.longOpenMs),
  probes: z.number().int().positive().max(MAX_PROBES).default(DEFAULT_POLICY.breaker.probes),
});

const policyFields = {
  maxAttempts: z.number().int().min(1).max(10),
  headerTimeoutMs: positiveMs,
  firstTokenTimeoutMs: positiveMs,
  idleTimeoutMs: positiveMs,
  totalTimeoutMs: positiveMs,
  maxRetryAfterWaitMs: ms,
  backoffBaseMs: ms,
  backoffMaxMs: ms,
  failoverOnContentPolicy: z.boolean(),
  continueStreams: z.boolean(),
  maxContinuations: z.number().int().min(0).max(5),
  passThrough: z.boolean(),
  /** Opt-in: start the next target in parallel when the current attempt has no first token by then. */
  hedgeAfterMs: positiveMs,
  hedgeMaxShare: z.number().min(0).max(1),
};

const policySchema = z.strictObject({
  maxAttempts: policyFields.maxAttempts.default(DEFAULT_POLICY.maxAttempts),
  headerTimeoutMs: policyFields.headerTimeoutMs.default(DEFAULT_POLICY.headerTimeoutMs),
  firstTokenTimeoutMs: policyFields.firstTokenTimeoutMs.default(DEFAULT_POLICY.firstTokenTimeoutMs),
  idleTimeoutMs: policyFields.idleTimeoutMs.default(DEFAULT_POLICY.idleTimeoutMs),
  totalTimeoutMs: policyFields.totalTimeoutMs.default(DEFAULT_POLICY.totalTimeoutMs),
  maxRetryAfterWaitMs: policyFields.maxRetryAfterWaitMs.default(DEFAULT_POLICY.maxRetryAfterWaitMs),
  backoffBaseMs: policyFields.backoffBaseMs.default(DEFAULT_POLICY.backoffBaseMs),
  backoffMaxMs: policyFields.backoffMaxMs.default(DEFAULT_POLICY.backoffMaxMs),
  failoverOnContentPolicy: policyFields.failoverOnContentPolicy.default(DEFAULT_POLICY.failoverOnContentPolicy),
  continueStreams: policyFields.continueStreams.default(DEFAULT_POLICY.continueStreams),
  maxContinuations: policyFields.maxContinuations.default(DEFAULT_POLICY.maxContinuations),
  passThrough: policyFields.passThrough.default(DEFAULT_POLICY.passThrough),
  hedgeAfterMs: policyFields.hedgeAfterMs.optional(),
  hedgeMaxShare: policyFields.hedgeMaxShare.default(DEFAULT_POLICY.hedgeMaxShare),
  breaker: breakerSchema.default(() => breakerSchema.parse({})),
});

/** Per-alias overrides: any policy field except the breaker (breakers belong to targets). */
const aliasPolicySchema = z.strictObject(policyFields).partial();

const chaosSchema = z.strictObject({
  /** Share of attempts answered with `status` instead of reaching the provider. */
  errorRate: z.number().min(0).max(1).default(0),
  status: z.number().int().min(400).max(599).default(503),
  /** Delay added before the upstream call. */
  latencyMs: ms.default(0),
  /** Share of attempts that fail as a connection reset. */
  resetRate: z.number().min(0).max(1).default(0),
  /** Stop sending events (without closing) after this many events. */
  stallAfterChunks: z.number().int().nonnegative().optional(),
});

/**
 * The provider's public status page (Statuspage `summary.json`), polled by the health checker for an
 * L1 alarm only: it never opens a breaker. `url` and `components` default to the kind's preset.
 */
const statusPageSchema = z.strictObject({
  url: httpUrl.optional(),
  /** Component names (or ids) on that page; the worst of their states counts. */
  components: z.array(z.string().min(1)).min(1).optional(),
});

const providerSchema = z.strictObject({
  kind: z.enum(PROVIDER_KIND_NAMES),
  apiKey: secretRef.optional(),
  baseUrl: httpUrl.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not an AWS region').optional(),
  apiVersion: z.string().min(1).optional(),
  /**
   * Which OpenAI APIs the provider serves (OpenAI-dialect kinds only): `chat` (Chat Completions),
   * `responses` (the Responses API). Default: both for `openai` and `azure-openai`, `chat` for the
   * other compatible kinds. See core/runtime.ts for how a target's API is chosen.
   */
  apis: z.array(z.enum(['chat', 'responses'])).min(1).optional(),
  chaos: chaosSchema.optional(),
  statusPage: statusPageSchema.optional(),
});

const targetSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  /**
   * Embeddings aliases: the label of the vectors this target produces, when its model id does not
   * say it (an Azure deployment name, a fine-tune). Targets of one alias must share it.
   */
  vectorSpace: z.string().min(1).optional(),
});

/** Shadow traffic: a sampled share of the alias's requests also goes to `target`, never to the client. */
const shadowSchema = z.strictObject({
  target: targetSchema,
  /** Share of requests shadowed, 0 to 1. */
  sampleRate: z.number().min(0).max(1),
  /** Bound on one shadow call, besides the request's own deadline. */
  timeoutMs: positiveMs.default(DEFAULT_SHADOW_TIMEOUT_MS),
});

const aliasSchema = z.strictObject({
  /** `chat` (Chat Completions, Messages, count_tokens) or `embeddings` (`POST /v1/embeddings`). */
  kind: z.enum(['chat', 'embeddings']).default('chat'),
  /** The default route's chain. */
  targets: z.array(targetSchema.extend(routedTargetFields)).min(1, 'an alias needs at least one target'),
  /** Routes by task and cost (core/routing/): the first whose conditions hold picks its own chain. */
  routes: z.array(routeSchema).optional(),
  policy: aliasPolicySchema.optional(),
  shadow: shadowSchema.optional(),
});

const responseStoreSchema = z.strictObject({
  enabled: z.boolean().default(DEFAULT_RESPONSE_STORE.enabled),
  ttlSeconds: z.number().int().min(60).max(30 * 24 * 3600).default(DEFAULT_RESPONSE_STORE.ttlSeconds),
  maxBytes: z.number().int().min(1024).max(350 * 1024).default(DEFAULT_RESPONSE_STORE.maxBytes),
});

const count = z.number().int().positive();

/** Bounds on what one request may ask of the proxy (core/request-shape.ts, the attempt loop). */
const limitsSchema = z.strictObject({
  maxBodyBytes: count.default(DEFAULT_LIMITS.maxBodyBytes),
  maxJsonDepth: count.default(DEFAULT_LIMITS.maxJsonDepth),
  maxMessages: count.default(DEFAULT_LIMITS.maxMessages),
  maxTools: count.default(DEFAULT_LIMITS.maxTools),
  maxArrayItems: count.default(DEFAULT_LIMITS.maxArrayItems),
  maxStringChars: count.default(DEFAULT_LIMITS.maxStringChars),
  maxAnswerBytes: count.default(DEFAULT_LIMITS.maxAnswerBytes),
});

export const configSchema = z
  .strictObject({
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'provider names are lower-case letters, digits and dashes'), providerSchema),
    aliases: z.record(z.string().min(1), aliasSchema),
    policy: policySchema.default(() => policySchema.parse({})),
    limits: limitsSchema.default(() => limitsSchema.parse({})),
    /** The Responses API route: the proxy's opt-in store for `previous_response_id` (core/response-store.ts). */
    responses: z
      .strictObject({ store: responseStoreSchema.default(() => responseStoreSchema.parse({})) })
      .default(() => ({ store: responseStoreSchema.parse({}) })),
    /** USD per million tokens by `provider/model`, over the defaults of common models. */
    prices: z.record(z.string(), priceSchema).optional(),
    /** Spend caps per client key or alias, per UTC day or month. */
    budgets: z.array(budgetSchema).optional(),
  })
  .superRefine((config, ctx) => {
    for (const [name, provider] of Object.entries(config.providers)) {
      const kind = PROVIDER_KINDS[provider.kind];
      if (kind.keyRequired && !provider.apiKey) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'apiKey'], message: `kind "${provider.kind}" needs an apiKey reference (env:NAME)` });
      }
      if (!('baseUrl' in kind) && provider.kind !== 'bedrock' && !provider.baseUrl) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'baseUrl'], message: `kind "${provider.kind}" needs a baseUrl` });
      }
      if (provider.apis && PROVIDER_KINDS[provider.kind].dialect !== 'openai') {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'apis'], message: `apis is for OpenAI-dialect kinds only, not "${provider.kind}"` });
      }
      const preset = STATUS_PAGE_PRESETS[provider.kind];
      if (provider.statusPage && !preset && (!provider.statusPage.url || !provider.statusPage.components)) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'statusPage'], message: `kind "${provider.kind}" has no status page preset: give url and components` });
      }
      if (provider.kind === 'bedrock' && !provider.region) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'region'], message: 'kind "bedrock" needs a region' });
      }
    }
    for (const [name, alias] of Object.entries(config.aliases)) {
      for (const issue of embeddingsIssues(alias, config.providers)) ctx.addIssue({ code: 'custom', path: ['aliases', name, ...issue.path], message: issue.message });
    }
    for (const issue of routingIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type ProviderConfig = Config['providers'][string];
export type AliasConfig = Config['aliases'][string];
export type Policy = Config['policy'];
export type BreakerSettings = Policy['breaker'];
export type ChaosSettings = z.output<typeof chaosSchema>;
export type ShadowSettings = z.output<typeof shadowSchema>;
export type ResponseStoreSettings = z.output<typeof responseStoreSchema>;
// Zod-free helpers over a Config, in resolve.ts so that the Lambda never loads the schema to use
// them; re-exported here for the code that already imports the schema.
export { isLoopbackHost, policyFor, statusPageOf, type EffectivePolicy, type StatusPageSettings } from './resolve.ts';
