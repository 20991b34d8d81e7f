import { proxyBase } from './client.ts';

/**
 * Where the drill turns fault injection on and off: the configuration in force. Locally that is
 * the server's running configuration (`/admin/config`); deployed, the SSM parameter the functions
 * refresh from. Both take a whole document and validate it before anything changes.
 */
export interface ConfigControl {
  /** Says where, for the report: `the local server's running config`, `SSM parameter /understudy/config`. */
  readonly description: string;
  /** How long until every instance serves a written document (the functions' refresh period, jitter included). */
  readonly propagationMs: number;
  read(signal?: AbortSignal): Promise<unknown>;
  write(document: unknown, signal?: AbortSignal): Promise<void>;
}

/**
 * The local server's running configuration, through its operator API (memory only: a restart
 * undoes it). `adminKey`: the server's UNDERSTUDY_ADMIN_KEY when it has one (loopback needs none).
 */
export function adminConfigControl(url: string, adminKey?: string): ConfigControl {
  const endpoint = `${proxyBase(url)}/admin/config`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(adminKey ? { authorization: `Bearer ${adminKey}` } : {}) };
  return {
    description: `the running configuration of ${proxyBase(url)} (/admin/config)`,
    propagationMs: 0,
    async read(signal) {
      const response = await fetch(endpoint, { headers, ...(signal ? { signal } : {}) });
      if (!response.ok) throw new Error(`GET ${endpoint} answered ${response.status}${response.status === 404 ? ': is this a local Understudy server? Against a deployed stack pass --parameter' : ''}`);
      return ((await response.json()) as { config: unknown }).config;
    },
    async write(document, signal) {
      const response = await fetch(endpoint, { method: 'PUT', headers, body: JSON.stringify(document), ...(signal ? { signal } : {}) });
      if (!response.ok) throw new Error(`PUT ${endpoint} answered ${response.status}: ${await response.text()}`);
    },
  };
}
