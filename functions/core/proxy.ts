import { randomFillSync } from 'node:crypto';
import { clientError, type ClientError } from '../ir/client-error.ts';
import type { IngressDialect, ResponseMeta } from '../ir/dialect.ts';
import { ADMIN_PREFIX, handleAdmin, type RunningConfig } from './admin.ts';
import { lookupAlias, recordedAlias } from './alias-lookup.ts';
import { runAttemptLoop } from './attempt-loop.ts';
import { checkHost } from './host-check.ts';
import { ContinuationForms } from './continuation.ts';
import { HedgeBudget } from './hedge-budget.ts';
import { streamContinuation } from './stream-continuation.ts';
import { aliasForResponses } from './responses-targets.ts';
import { fromWebResponse, jsonResponse, type HeaderReader, type ProxyRequest, type ProxyResponse } from './exchange.ts';
import { authorizeOperator, resolveOperatorPolicy, type OperatorPolicySource } from './operator-auth.ts';
import { ConversationKeeper, storeOwner, type ResponseStore } from './response-store.ts';
import type { AttemptRecord, BreakerStore, Clock, RequestRecord, Telemetry, Upstream } from './ports.ts';
import { answerResponse, attemptsHeader, errorResponse, renderedError, type RenderedError, streamResponse, type Served } from './respond.ts';
import type { ResolvedTarget, CompiledConfig } from './compiled-config.ts';
import { checkRequestShape } from './request-shape.ts';
import { scrubClientError } from './scrub-error.ts';
import { ShadowTraffic, type ServedEnd } from './shadow.ts';
import { Budgets } from './budgets/budgets.ts';
import { MemorySpendStore } from './budgets/memory-spend-store.ts';
import { SpendLedger } from './budgets/spend-ledger.ts';
import { planRequest, settleCost } from './routing/plan-request.ts';
import { DIMENSIONS, METRICS } from '../config/metric-names.ts';
import { serveCountTokens, serveEmbeddings, type UnaryRouteDeps } from './unary-routes.ts';

export interface ProxyDeps {
  /** The compiled configuration in force; called once per request so a configuration refresh applies at once. */
  compiled: () => CompiledConfig;
  breakers: BreakerStore;
  upstream: Upstream;
  telemetry: Telemetry;
  clock: Clock;
  random?: () => number;
  /** Ingress dialects by route: `/v1/chat/completions` → openai, `/v1/messages` → anthropic. */
  ingress: { openai: IngressDialect; anthropic: IngressDialect; responses: IngressDialect };
  /**
   * Serve the operator API under `/admin/` (the local server only): breakers and the running
   * config, behind the operator credential (core/operator-auth.ts), never behind a client key.
   */
  admin?: { config: RunningConfig; operator?: OperatorPolicySource };
  /**
   * Serve the live status page: `serve` answers its `paths` (core/status-route.ts, passed in so
   * bundles that do not serve the page do not carry it), behind the operator credential except the
   * `open` ones (the page's shell, which carries no data and asks for the key). A policy given as a
   * function is read only when one of these paths is asked for (Lambda: the admin key hash in SSM).
   */
  status?: {
    paths: readonly string[];
    open?: readonly string[];
    serve: (path: string, options: { signal?: AbortSignal; deadline?: number }) => Promise<Response>;
    operator?: OperatorPolicySource;
  };
  /**
   * The host names a keyless server answers to besides loopback names (core/host-check.ts).
   * Absent: any well-formed Host (a server with client keys, Lambda).
   */
  allowedHosts?: ReadonlySet<string>;
  /** The proxy's store of Responses conversations (used only when `responses.store.enabled`). */
  responseStore?: ResponseStore;
  /**
   * Checks the caller's proxy API key (core/client-keys.ts). Absent: no authentication (the local
   * server on loopback only). `aliases`, when given, limits which aliases the key may call.
   */
  authorize?: (headers: HeaderReader, dialect: 'openai' | 'anthropic') => Authorization | Promise<Authorization>;
  /** Budget spend shared between instances (DynamoDB on AWS); default: this process's memory. */
  spend?: SpendLedger;
}

/** `keyName`: the client key's name, for routes' `clientKey` conditions and budgets. */
export type Authorization = { ok: true; keyId?: string; keyName?: string; aliases?: string[] } | { ok: false; error: ClientError };

export interface HandleOptions {
  /** Absolute deadline (ms since epoch), e.g. from the remaining Lambda time. */
  deadline?: number;
  /** Aborts when the client disconnects. */
  signal?: AbortSignal;
  /** The remote address of the connection, when the adapter knows it (the local server). */
  peer?: string;
}

export interface Handled {
  /** Status and headers are final; the body may still be streaming. */
  response: ProxyResponse;
  /** Settles when the response is complete and its outcome recorded (await it before a Lambda returns). */
  done: Promise<void>;
}

/** Client headers a provider of the client's own dialect may receive; everything else stays here. */
const FORWARDED_HEADERS = ['anthropic-beta'];
const ID_PREFIX = { openai: 'chatcmpl-', anthropic: 'msg_', 'openai-responses': 'resp_' } as const;

/**
 * The proxy core: a ProxyRequest in, a ProxyResponse out (core/exchange.ts). Knows nothing of
 * Lambda or Node's http module; the adapters in functions/proxy and functions/local translate.
 */
export function createProxy(deps: ProxyDeps) {
  const random = deps.random ?? Math.random;
  const hedges = new HedgeBudget(deps.clock);
  // Which targets refused a continuation prefill: remembered for the process's life.
  const forms = new ContinuationForms();
  const shadows = new ShadowTraffic({ upstream: deps.upstream, clock: deps.clock, random, telemetry: deps.telemetry });
  const spend = deps.spend ?? new SpendLedger({ store: new MemorySpendStore(), clock: deps.clock, telemetry: deps.telemetry });

  async function handle(request: ProxyRequest, options: HandleOptions = {}): Promise<Handled> {
    const started = deps.clock.now();
    // Base URLs copied with a trailing slash give `//v1/…`: the same route.
    const path = request.path.replace(/\/{2,}/g, '/').replace(/\/+$/, '') || '/';
    const route = path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`) ? 'admin' : ROUTES[path];
    const ingress = ingressFor(path);
    const immediate = (response: ProxyResponse): Handled => ({ response, done: Promise.resolve() });
    const misdirected = checkHost(request.headers.get('host'), deps.allowedHosts);
    if (misdirected) return immediate(errorResponse(ingress, misdirected));

    if (deps.status?.paths.includes(path)) return immediate(await status(request, path, deps.status, ingress, options));
    if (!route || (route === 'admin' && !deps.admin)) {
      return immediate(errorResponse(ingress, clientError(404, 'not_found', `no route for ${request.method} ${path}`)));
    }
    const method = route === 'models' || route === 'healthz' ? 'GET' : 'POST';
    if (route !== 'admin' && request.method !== method) {
      return immediate(errorResponse(ingress, clientError(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use ${method}`), { allow: method }));
    }
    if (route === 'healthz') return immediate(jsonResponse(200, { status: 'ok' }));
    if (route === 'admin') {
      // A client key never opens the operator API: it takes the operator credential.
      const operator = authorizeOperator(request, await resolveOperatorPolicy(deps.admin!.operator), options.peer);
      if (!operator.ok) return immediate(errorResponse(ingress, operator.error));
      const budgets = () => new Budgets(deps.compiled().config.budgets ?? [], spend).status(deps.clock.now());
      return immediate(await handleAdmin(request, path, { breakers: deps.breakers, config: deps.admin!.config, operator: operator.via, budgets }, ingress));
    }
    let access: Authorization = { ok: true };
    if (deps.authorize) {
      access = await deps.authorize(request.headers, ingress.name === 'anthropic' ? 'anthropic' : 'openai');
      if (!access.ok) return immediate(errorResponse(ingress, access.error));
    }
    if (route === 'models') return immediate(listModels(deps.compiled(), request.headers.get('anthropic-version') !== null, access.aliases));
    if (route === 'count-tokens' || route === 'embeddings') {
      const unary: UnaryRouteDeps = {
        compiled: deps.compiled(),
        loop: { breakers: deps.breakers, upstream: deps.upstream, clock: deps.clock, random },
        telemetry: deps.telemetry,
        requestId: hexId(),
        started,
        forwarded: forwardedHeaders(request.headers),
        ...(access.aliases ? { allowed: access.aliases } : {}),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      };
      // `?beta=true` is how the Anthropic SDK's `client.beta` calls; an Anthropic target gets it too.
      if (route === 'count-tokens') return serveCountTokens(request, unary, ingress, new URLSearchParams(request.query).get('beta') === 'true');
      return serveEmbeddings(request, unary, ingress);
    }
    return serve(request, ingress, options, started, access.aliases, access.keyId, access.keyName);
  }

  async function status(request: ProxyRequest, path: string, page: NonNullable<ProxyDeps['status']>, ingress: IngressDialect, options: HandleOptions): Promise<ProxyResponse> {
    if (request.method !== 'GET') return errorResponse(ingress, clientError(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use GET`), { allow: 'GET' });
    if (!page.open?.includes(path)) {
      const operator = authorizeOperator(request, await resolveOperatorPolicy(page.operator), options.peer);
      if (!operator.ok) return errorResponse(ingress, operator.error);
    }
    return fromWebResponse(await page.serve(path, { ...(options.signal ? { signal: options.signal } : {}), ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) }));
  }

  async function serve(request: ProxyRequest, ingress: IngressDialect, options: HandleOptions, started: number, allowed?: string[], keyId?: string, keyName?: string): Promise<Handled> {
    const compiled = deps.compiled();
    const requestId = hexId();
    const record: RequestRecord = { requestId, ingress: ingress.name, alias: '', stream: false, status: 0, attempts: [], durationMs: 0 };
    // Set when this request is shadowed: receives how the client's response ended, for the comparison.
    let shadowServed: ((end: ServedEnd) => void) | undefined;
    // `cost`, once a target serves: prices its usage, charges the budgets, publishes the cost.
    const finish = (
      response: ProxyResponse,
      extra: Partial<RequestRecord> = {},
      served?: Promise<Served | undefined>,
      cost?: (usage: Served['usage']) => Partial<RequestRecord>,
    ): Handled => {
      const done = (async () => {
        const outcome = await served;
        Object.assign(record, extra, {
          status: response.status,
          durationMs: deps.clock.now() - started,
          ...(outcome?.usage ? { usage: { inputTokens: outcome.usage.inputTokens, outputTokens: outcome.usage.outputTokens } } : {}),
          ...(outcome?.truncated ? { truncated: true } : {}),
          ...(outcome?.cancelled ? { cancelled: true } : {}),
          ...(outcome?.continued ? { continued: outcome.continued } : {}),
          ...(outcome?.continuationFailed ? { continuationFailed: true } : {}),
        });
        if (cost && outcome) Object.assign(record, cost(outcome.usage));
        deps.telemetry.request(record);
        shadowServed?.({ status: response.status, record, served: outcome });
      })();
      return { response, done };
    };
    const fail = (error: ClientError, extra: Partial<RequestRecord> = {}, headers: Record<string, string> = {}) =>
      finish(errorResponse(ingress, error, headers), { errorType: error.type, ...extra });

    const body = await request.readBody(compiled.config.limits.maxBodyBytes).catch(() => undefined);
    if (!body) return fail(clientError(400, 'invalid_request', 'the request body could not be read'));
    if (!body.ok) return fail(clientError(413, 'request_too_large', `the request body exceeds ${compiled.config.limits.maxBodyBytes} bytes`, { code: 'request_too_large' }));
    let json: unknown;
    try {
      json = JSON.parse(body.bytes.toString('utf8'));
    } catch {
      return fail(clientError(400, 'invalid_request', 'the request body is not valid JSON'));
    }
    // Before any attempt: a hostile shape must never reach (and trip) a shared upstream.
    const misshapen = checkRequestShape(json, compiled.config.limits);
    if (misshapen) return fail(misshapen);
    // A Responses request may continue a conversation the proxy stored (opt-in: responses.store).
    const keeper =
      ingress.name === 'openai-responses' && typeof json === 'object' && json !== null && !Array.isArray(json)
        ? new ConversationKeeper({
            store: deps.responseStore,
            settings: compiled.config.responses.store,
            owner: storeOwner(keyId),
            body: json as Record<string, unknown>,
            log: (message, fields) => deps.telemetry.log('warn', message, fields),
          })
        : undefined;
    const expanded = await keeper?.prepare();
    if (expanded && !expanded.ok) return fail(expanded.error);
    const parsed = ingress.parseRequest(json);
    if (!parsed.ok) return fail(parsed.error);
    const chat = parsed.request;
    // Kept for a target of the client's own API, which receives it as sent (ir/request.ts).
    chat.original = { dialect: ingress.name, body: json as Record<string, unknown> };
    Object.assign(record, recordedAlias(compiled, chat.model));
    record.stream = chat.stream;
    const found = lookupAlias(compiled, chat.model, 'chat', allowed);
    if (!found.ok) return fail(found.error, found.exhausted ? { exhausted: true } : {});
    const alias = found.alias;

    // Routing by task and cost (core/routing/): decided once, from memory, before any attempt.
    const budgets = new Budgets(compiled.config.budgets ?? [], spend);
    const planned = planRequest({ alias, request: chat, headers: request.headers, ...(keyName !== undefined ? { clientKey: keyName } : {}), budgets, now: started });
    if (!planned.ok) {
      const routeHeader: Record<string, string> = planned.route ? { 'x-understudy-route': planned.route } : {};
      return fail(planned.error, { ...(planned.route ? { route: planned.route } : {}), ...(planned.budget ? { budget: planned.budget } : {}) }, routeHeader);
    }
    const plan = planned.plan;
    if (ingress.name === 'openai-responses') {
      // A Responses client is served through the chosen route's Responses-speaking targets where they have one.
      const chosen = aliasForResponses({ ...alias, targets: plan.targets }, chat);
      if (!chosen.ok) return fail(chosen.error, { route: plan.route });
      plan.targets = chosen.alias.targets;
    }
    record.route = plan.route;
    if (plan.budget) record.budget = plan.budget;
    if (plan.complexity !== undefined) record.complexity = plan.complexity;
    deps.telemetry.metric(METRICS.routeRequests, 1, { [DIMENSIONS.alias]: alias.name, [DIMENSIONS.route]: plan.route });

    const deadline = Math.min(started + alias.policy.totalTimeoutMs, options.deadline ?? Infinity);
    const shadow = alias.shadow;
    if (shadow && shadows.sampled(shadow.sampleRate)) {
      shadowServed = shadows.start({
        alias: alias.name,
        requestId,
        requestStarted: started,
        target: shadow.target,
        request: chat,
        policy: alias.policy,
        deadline,
        timeoutMs: shadow.timeoutMs,
      });
    }
    const forwarded = forwardedHeaders(request.headers);
    const forwardFor = (target: ResolvedTarget) => (target.dialect.dialect === ingress.name ? forwarded : {});
    const loopDeps = { breakers: deps.breakers, upstream: deps.upstream, clock: deps.clock, random, hedges };
    const result = await runAttemptLoop(
      {
        alias,
        targets: plan.targets,
        skipped: plan.skipped,
        request: chat,
        deadline,
        untilComplete: !chat.stream,
        maxAnswerBytes: compiled.config.limits.maxAnswerBytes,
        forwardHeaders: forwardFor,
        // The pass-through lane for a streaming client whose answer the proxy need not read or render
        // (a shadowed one is compared as text; one the response store keeps carries the proxy's id).
        ...(chat.stream && alias.policy.passThrough && !shadowServed && !keeper?.keeps ? { passThrough: { ...(ingress.laneTracker ? { tracker: () => ingress.laneTracker!() } : {}) } } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      loopDeps,
    );
    record.attempts = result.records as AttemptRecord[];
    if (result.hedge) Object.assign(record, { hedged: true, hedgeWon: result.hedge.won });
    if (result.kind === 'failed') {
      return fail(scrubClientError(result.error, compiled), { exhausted: result.exhausted, ...(result.cancelled ? { cancelled: true } : {}) }, { 'x-understudy-attempts': attemptsHeader(result), 'x-understudy-route': plan.route });
    }

    const start = result.buffered.find((e) => e.type === 'start');
    const meta: ResponseMeta = {
      id: ID_PREFIX[ingress.name as keyof typeof ID_PREFIX] + hexId(),
      created: Math.floor(deps.clock.now() / 1000),
      model: (start?.type === 'start' && start.model) || result.target.model,
      request: chat,
      provider: result.target.provider.name,
    };
    keeper?.watch(meta);
    const headers: Record<string, string> = {
      'x-understudy-provider': result.target.provider.name,
      'x-understudy-model': result.target.model,
      'x-understudy-route': plan.route,
      'x-request-id': requestId,
    };
    // Served by the head of the chain this request was routed to: not a failover, whatever the route.
    const primary = plan.route === 'default' && plan.targets === alias.targets ? alias.primary : plan.targets[0]?.key;
    const extra: Partial<RequestRecord> = {
      servedBy: {
        provider: result.target.provider.name,
        model: result.target.model,
        primary: result.target.key === primary,
        ...(result.target.position !== undefined ? { position: result.target.position } : {}),
      },
      timeToFirstTokenMs: result.committedAt - started,
    };
    const servedTarget = result.target;
    const cost = (usage: Served['usage']) => settleCost({ alias, plan, served: servedTarget, usage, budgets, telemetry: deps.telemetry, now: deps.clock.now() });
    const collect = shadowServed !== undefined;
    const continuation =
      chat.stream && alias.policy.continueStreams && alias.policy.maxContinuations > 0
        ? {
            max: alias.policy.maxContinuations,
            continue: streamContinuation({ alias, targets: plan.targets, request: chat, deadline, forwardHeaders: forwardFor, loop: loopDeps, forms, ...(options.signal ? { signal: options.signal } : {}) }),
          }
        : undefined;
    const { response, served } = chat.stream
      ? streamResponse(result, ingress, meta, headers, { collect, ...(continuation ? { continuation } : {}) })
      : answerResponse(result, ingress, meta, headers, { collect });
    return finish(response, extra, keep(served), cost);

    /** Stores the conversation once the answer is out (nothing when there is no keeper or nothing to keep). */
    function keep<T>(served: Promise<T>): Promise<T> {
      return keeper ? served.then(async (outcome) => (await keeper.save(), outcome)) : served;
    }
  }

  /** Waits, at most `boundMs`, for the shadow calls in flight (ShadowTraffic.settle). */
  const settleShadows = (boundMs: number) => shadows.settle(boundMs);

  /** An error for a request the adapter could not even build (an unsupported method), in the dialect its target names. */
  const refuse = (target: string, error: ClientError, headers: Record<string, string> = {}): RenderedError => renderedError(ingressFor(target), error, headers);

  function ingressFor(path: string): IngressDialect {
    return path.startsWith('/v1/messages') ? deps.ingress.anthropic : ROUTES[path] === 'responses' ? deps.ingress.responses : deps.ingress.openai;
  }

  return { handle, settleShadows, refuse };
}

export type Proxy = ReturnType<typeof createProxy>;

/** The client headers on the forwarding allow-list, for targets of the client's own dialect. */
function forwardedHeaders(headers: HeaderReader): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) forwarded[name] = value;
  }
  return forwarded;
}

/** Random bytes for ids, drawn 256 ids at a time: one call for entropy instead of one per id. */
const ID_BYTES = 12;
const idPool = Buffer.allocUnsafe(ID_BYTES * 256);
let idOffset = idPool.length;

/** 24 hex digits. */
function hexId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idPool.toString('hex', idOffset - ID_BYTES, idOffset);
}

const ROUTES: Record<string, 'chat' | 'messages' | 'responses' | 'count-tokens' | 'embeddings' | 'models' | 'healthz' | 'admin'> = {
  '/v1/messages/count_tokens': 'count-tokens',
  '/v1/embeddings': 'embeddings',
  '/embeddings': 'embeddings',
  '/v1/chat/completions': 'chat',
  '/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/responses': 'responses',
  '/v1/messages': 'messages',
  '/v1/models': 'models',
  '/healthz': 'healthz',
};

function listModels(compiled: CompiledConfig, anthropic: boolean, allowed?: string[]): ProxyResponse {
  const names = [...compiled.aliases.keys()].filter((name) => !allowed || allowed.includes(name));
  if (anthropic) {
    const data = names.map((id) => ({ type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z' }));
    return jsonResponse(200, { data, has_more: false, first_id: names[0] ?? null, last_id: names[names.length - 1] ?? null });
  }
  return jsonResponse(200, { object: 'list', data: names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'understudy' })) });
}
