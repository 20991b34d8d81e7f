import type { ProviderSettings, TargetCall } from '../../ir/dialect.ts';

/** OpenAI's public endpoint, used when the provider sets no baseUrl (the runtime usually fills it). */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

function base(provider: ProviderSettings): string {
  return (provider.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '');
}

/**
 * Azure's older resource/deployment URL form (`…/openai/deployments/{deployment}/…?api-version=`),
 * chosen when an `apiVersion` is configured and the baseUrl is not the v1 GA form (`…/openai/v1`).
 * In that form the deployment name is the target's model.
 */
export function isAzureDeploymentForm(provider: ProviderSettings): boolean {
  return provider.kind === 'azure-openai' && provider.apiVersion !== undefined && !/\/openai\/v1$/.test(base(provider));
}

function azureDeploymentUrl(provider: ProviderSettings, model: string, path: string): string {
  const root = base(provider).replace(/\/openai$/, '');
  return `${root}/openai/deployments/${encodeURIComponent(model)}${path}?api-version=${encodeURIComponent(provider.apiVersion ?? '')}`;
}

/** With the v1 GA form an `apiVersion` (e.g. `preview`) still travels as a query parameter. */
function query(provider: ProviderSettings): string {
  return provider.kind === 'azure-openai' && provider.apiVersion ? `?api-version=${encodeURIComponent(provider.apiVersion)}` : '';
}

/** The chat completions endpoint of a target. */
export function chatCompletionsUrl(target: TargetCall): string {
  if (isAzureDeploymentForm(target.provider)) return azureDeploymentUrl(target.provider, target.model, '/chat/completions');
  return `${base(target.provider)}/chat/completions${query(target.provider)}`;
}

/**
 * The Responses API endpoint of a target. Azure serves it per resource, not per deployment (the
 * deployment is the body's `model`): `…/openai/responses?api-version=` in the older form.
 */
export function responsesUrl(target: TargetCall): string {
  if (isAzureDeploymentForm(target.provider)) {
    const root = base(target.provider).replace(/\/openai$/, '');
    return `${root}/openai/responses?api-version=${encodeURIComponent(target.provider.apiVersion ?? '')}`;
  }
  return `${base(target.provider)}/responses${query(target.provider)}`;
}

/** The embeddings endpoint of a target. */
export function embeddingsUrl(target: TargetCall): string {
  if (isAzureDeploymentForm(target.provider)) return azureDeploymentUrl(target.provider, target.model, '/embeddings');
  return `${base(target.provider)}/embeddings${query(target.provider)}`;
}

/** The model list used as the cheap liveness probe (not for the Azure deployment form). */
export function modelsUrl(target: TargetCall): string {
  return `${base(target.provider)}/models${query(target.provider)}`;
}

/**
 * Request headers: the client's allowlisted headers, then the provider's static headers, then the
 * key (so nothing a client sends can replace our credentials). Azure takes `api-key`; everyone else
 * a bearer token, omitted when there is no key (Ollama, keyless openai-compatible servers).
 */
export function requestHeaders(target: TargetCall, body: 'stream' | 'json' | 'none'): Record<string, string> {
  const headers: Record<string, string> = {};
  if (body !== 'none') headers['content-type'] = 'application/json';
  headers.accept = body === 'stream' ? 'text/event-stream' : 'application/json';
  // Lower-cased so a configured `Authorization` cannot sit beside ours as a second header.
  for (const [name, value] of Object.entries({ ...target.forwardHeaders, ...target.provider.headers })) headers[name.toLowerCase()] = value;
  const key = target.provider.apiKey;
  if (key) {
    if (target.provider.kind === 'azure-openai') headers['api-key'] = key;
    else headers.authorization = `Bearer ${key}`;
  }
  return headers;
}
