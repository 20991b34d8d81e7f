import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: relative paths in props and context are resolved against it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const AUTH_MODES = ['api-keys', 'aws-iam'] as const;
/**
 * `api-keys`: the function URL is public (auth NONE) and the proxy checks hashed client keys, so stock
 * SDKs work unchanged. `aws-iam`: the URL requires SigV4-signed requests.
 */
export type AuthMode = (typeof AUTH_MODES)[number];

export const SEVERITIES = ['warn', 'failover', 'page'] as const;
/** Alert layers, each its own SNS topic. */
export type Severity = (typeof SEVERITIES)[number];

/** Everything the stack can be told; each field also reads from CDK context under the same name. */
export interface UnderstudySettings {
  /** Config file (YAML or JSON), validated at synth. Context `configFile`. */
  configFile: string;
  /** Context `authMode`. */
  authMode: AuthMode;
  /** Reserved concurrency of the proxy function (none by default). Context `reservedConcurrency`. */
  reservedConcurrency?: number;
  /** Context `proxyMemoryMb`. */
  proxyMemoryMb: number;
  /** Context `proxyTimeoutSeconds`. */
  proxyTimeout: Duration;
  /** SSM path prefix of the provider keys and client key hashes the operator creates. Context `keysPath`. */
  keysPath: string;
  /** Name of the SSM parameter holding the validated config. Context `configParameterName`. */
  configParameterName: string;
  /** E-mail subscribers per alert topic. Context `alertEmail.warn|failover|page` (comma-separated). */
  alertEmails: Partial<Record<Severity, readonly string[]>>;
  /** Retention of both functions' log groups. Context `logRetentionDays`. */
  logRetention: RetentionDays;
  /** Handler entry files exporting `handler`. Context `proxyEntry`, `healthEntry`. */
  proxyEntry: string;
  healthEntry: string;
  /** Write esbuild's metafile next to each bundle (bundle-size analysis). Context `bundleMetafile`. */
  bundleMetafile: boolean;
  /**
   * The scheduled drill (opt-in): the drill-only alias it runs against; unset, nothing is created.
   * Context `drillAlias`.
   */
  drillAlias?: string;
  /** Hours between scheduled drills, 1 to 168. Context `drillScheduleHours`. */
  drillScheduleHours: number;
  /** SecureString the operator creates, holding a proxy API key for the drill alias. Context `drillKeyParameter`. */
  drillKeyParameter: string;
  /** Handler entry of the drill canary. Context `drillEntry`. */
  drillEntry: string;
  /**
   * Where the alarms runbook lives: every alarm description links to `<runbookUrl>#<section>`. Point
   * it at your copy of the README (e.g. https://github.com/you/understudy/blob/main/README.md).
   * Context `runbookUrl`.
   */
  runbookUrl: string;
}

export const DEFAULT_SETTINGS: UnderstudySettings = {
  configFile: 'understudy.config.yaml',
  authMode: 'api-keys',
  proxyMemoryMb: 1024,
  proxyTimeout: Duration.minutes(5),
  keysPath: '/understudy/keys',
  configParameterName: '/understudy/config',
  alertEmails: {},
  logRetention: RetentionDays.ONE_MONTH,
  proxyEntry: 'functions/proxy/handler.ts',
  healthEntry: 'functions/health/handler.ts',
  bundleMetafile: false,
  drillScheduleHours: 24,
  drillKeyParameter: '/understudy/drill/key',
  drillEntry: 'functions/drill/canary-handler.ts',
  runbookUrl: 'README.md',
};

/**
 * Settings in force: explicit props win over context, context over defaults. Every value is checked
 * here so a typo in `-c key=value` fails synth with the key's name instead of deploying something odd.
 */
export function resolveSettings(scope: Construct, props: Partial<UnderstudySettings> = {}): UnderstudySettings {
  const ctx = (key: string): unknown => scope.node.tryGetContext(key);
  const s: UnderstudySettings = {
    configFile: props.configFile ?? text(ctx('configFile'), 'configFile') ?? DEFAULT_SETTINGS.configFile,
    authMode: props.authMode ?? authMode(ctx('authMode')) ?? DEFAULT_SETTINGS.authMode,
    proxyMemoryMb: props.proxyMemoryMb ?? integer(ctx('proxyMemoryMb'), 'proxyMemoryMb') ?? DEFAULT_SETTINGS.proxyMemoryMb,
    proxyTimeout: props.proxyTimeout ?? seconds(ctx('proxyTimeoutSeconds')) ?? DEFAULT_SETTINGS.proxyTimeout,
    keysPath: props.keysPath ?? text(ctx('keysPath'), 'keysPath') ?? DEFAULT_SETTINGS.keysPath,
    configParameterName: props.configParameterName ?? text(ctx('configParameterName'), 'configParameterName') ?? DEFAULT_SETTINGS.configParameterName,
    alertEmails: props.alertEmails ?? emailsFromContext(ctx),
    logRetention: props.logRetention ?? retention(ctx('logRetentionDays')) ?? DEFAULT_SETTINGS.logRetention,
    proxyEntry: props.proxyEntry ?? text(ctx('proxyEntry'), 'proxyEntry') ?? DEFAULT_SETTINGS.proxyEntry,
    healthEntry: props.healthEntry ?? text(ctx('healthEntry'), 'healthEntry') ?? DEFAULT_SETTINGS.healthEntry,
    bundleMetafile: props.bundleMetafile ?? flag(ctx('bundleMetafile'), 'bundleMetafile') ?? DEFAULT_SETTINGS.bundleMetafile,
    drillScheduleHours: props.drillScheduleHours ?? integer(ctx('drillScheduleHours'), 'drillScheduleHours') ?? DEFAULT_SETTINGS.drillScheduleHours,
    drillKeyParameter: props.drillKeyParameter ?? text(ctx('drillKeyParameter'), 'drillKeyParameter') ?? DEFAULT_SETTINGS.drillKeyParameter,
    drillEntry: props.drillEntry ?? text(ctx('drillEntry'), 'drillEntry') ?? DEFAULT_SETTINGS.drillEntry,
    runbookUrl: props.runbookUrl ?? text(ctx('runbookUrl'), 'runbookUrl') ?? DEFAULT_SETTINGS.runbookUrl,
  };
  const reserved = props.reservedConcurrency ?? integer(ctx('reservedConcurrency'), 'reservedConcurrency');
  if (reserved !== undefined) s.reservedConcurrency = reserved;
  const drillAlias = props.drillAlias ?? text(ctx('drillAlias'), 'drillAlias');
  if (drillAlias !== undefined) s.drillAlias = drillAlias;
  check(s);
  return {
    ...s,
    configFile: resolve(REPO_ROOT, s.configFile),
    proxyEntry: resolve(REPO_ROOT, s.proxyEntry),
    healthEntry: resolve(REPO_ROOT, s.healthEntry),
    drillEntry: resolve(REPO_ROOT, s.drillEntry),
  };
}

function check(s: UnderstudySettings): void {
  const errors: string[] = [];
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(s.keysPath)) errors.push(`keysPath "${s.keysPath}" must look like /understudy/keys (leading slash, no trailing slash)`);
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(s.configParameterName)) errors.push(`configParameterName "${s.configParameterName}" must look like /understudy/config`);
  if (s.proxyMemoryMb < 128 || s.proxyMemoryMb > 10_240) errors.push(`proxyMemoryMb ${s.proxyMemoryMb} must be between 128 and 10240`);
  const timeout = s.proxyTimeout.toSeconds();
  if (timeout < 1 || timeout > 900) errors.push(`proxy timeout ${timeout}s must be between 1 and 900 seconds`);
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(s.drillKeyParameter)) errors.push(`drillKeyParameter "${s.drillKeyParameter}" must look like /understudy/drill/key`);
  if (s.drillKeyParameter.startsWith(`${s.keysPath}/`)) errors.push(`drillKeyParameter "${s.drillKeyParameter}" must not be under keysPath ${s.keysPath}: the proxy reads everything there as provider keys and client key records`);
  if (s.drillScheduleHours < 1 || s.drillScheduleHours > 168) errors.push(`drillScheduleHours ${s.drillScheduleHours} must be between 1 and 168`);
  if (s.drillAlias !== undefined && s.authMode !== 'api-keys') errors.push(`drillAlias needs authMode api-keys: the drill calls the function URL with a proxy API key, not SigV4`);
  if (/[\s#]/.test(s.runbookUrl)) errors.push(`runbookUrl "${s.runbookUrl}" must be a URL without spaces or a #fragment (the alarm adds the section)`);
  if (s.reservedConcurrency !== undefined && s.reservedConcurrency < 1) errors.push(`reservedConcurrency ${s.reservedConcurrency} must be at least 1`);
  for (const [severity, emails] of Object.entries(s.alertEmails)) {
    for (const email of emails ?? []) if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.push(`alert e-mail "${email}" for ${severity} is not an address`);
  }
  if (errors.length > 0) throw new Error(`invalid Understudy stack settings:\n  ${errors.join('\n  ')}`);
}

// Context values come from cdk.json (typed JSON) or `-c key=value` (always strings): accept both.

function text(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`context ${key} must be a non-empty string`);
  return value.trim();
}

function integer(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`context ${key} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

function flag(value: unknown, key: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function authMode(value: unknown): AuthMode | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (AUTH_MODES as readonly string[]).includes(value)) return value as AuthMode;
  throw new Error(`context authMode must be one of ${AUTH_MODES.join(', ')}, got ${JSON.stringify(value)}`);
}

function seconds(value: unknown): Duration | undefined {
  const n = integer(value, 'proxyTimeoutSeconds');
  return n === undefined ? undefined : Duration.seconds(n);
}

function retention(value: unknown): RetentionDays | undefined {
  const days = integer(value, 'logRetentionDays');
  if (days === undefined) return undefined;
  // RetentionDays values are the day counts CloudWatch accepts; anything else would fail at deploy.
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number' && v !== RetentionDays.INFINITE);
  if (!allowed.includes(days as RetentionDays)) throw new Error(`context logRetentionDays ${days} is not a CloudWatch retention (${allowed.join(', ')})`);
  return days as RetentionDays;
}

function emailsFromContext(ctx: (key: string) => unknown): Partial<Record<Severity, readonly string[]>> {
  const out: Partial<Record<Severity, readonly string[]>> = {};
  for (const severity of SEVERITIES) {
    const raw = ctx(`alertEmail.${severity}`);
    if (raw === undefined) continue;
    const list = Array.isArray(raw) ? raw : String(raw).split(',');
    const emails = list.map((e) => String(e).trim()).filter((e) => e !== '');
    if (emails.length > 0) out[severity] = emails;
  }
  return out;
}
