/**
 * The parts of `@trigger.dev/sdk` 4.8.3 Runlight does not run. Each exists under its official name, so a task file
 * importing it still builds and its other tasks still load; calling it throws one error naming the API and where
 * the README says why, never a bare `TypeError: … is not a function`.
 */

/** A Trigger.dev API Runlight does not support was called. */
export class UnsupportedApiError extends Error {
  override readonly name = 'UnsupportedApiError';
  constructor(readonly api: string) {
    super(`${api} is not supported by Runlight (a local engine); see "Compatibility" in the Runlight README`);
  }
}

type Throwing = (...args: unknown[]) => never;

/** A function that throws UnsupportedApiError for `api` when called. */
export function unsupported(api: string): Throwing {
  return () => {
    throw new UnsupportedApiError(api);
  };
}

/** An object whose members (the official ones) each throw UnsupportedApiError naming `name.member`. */
export function unsupportedNamespace<const K extends string>(name: string, members: readonly K[]): Record<K, Throwing> {
  return Object.fromEntries(members.map((m) => [m, unsupported(`${name}.${m}()`)])) as Record<K, Throwing>;
}

/** A class that can be referred to (`instanceof`, `extends`) but not constructed. */
function unsupportedClass(api: string): new (...args: unknown[]) => object {
  // oxlint-disable-next-line typescript/no-extraneous-class -- it exists to be named, and to refuse to be built
  return class {
    constructor() {
      throw new UnsupportedApiError(`new ${api}()`);
    }
  };
}

// Cloud features: the platform's own services, with nothing to run locally.
export const concurrencyLimits = unsupportedNamespace('concurrencyLimits', ['list', 'retrieve', 'override', 'reset', 'pause', 'resume']);
export const deployments = unsupportedNamespace('deployments', ['retrieveCurrent', 'list']);
export const envvars = unsupportedNamespace('envvars', ['upload', 'list', 'create', 'retrieve', 'del', 'update']);
export const otel = {
  ...unsupportedNamespace('otel', ['withExternalTrace']),
  // OpenTelemetry's metrics API object upstream (`otel.metrics.getMeter(…)` at module level), not a function.
  metrics: unsupportedNamespace('otel.metrics', ['getMeter', 'getMeterProvider', 'setGlobalMeterProvider', 'disable']),
};
export const prompts = unsupportedNamespace('prompts', [
  'define',
  'resolve',
  'list',
  'versions',
  'promote',
  'createOverride',
  'updateOverride',
  'removeOverride',
  'reactivateOverride',
]);
export const query = unsupportedNamespace('query', ['execute', 'dashboards']);
export const sessions = unsupportedNamespace('sessions', ['start', 'retrieve', 'update', 'close', 'list', 'open', 'defineChannel']);
export const skills = unsupportedNamespace('skills', ['define']);
export const webhookSources = unsupportedNamespace('webhookSources', [
  'custom',
  'stripe',
  'github',
  'svix',
  'standardWebhooks',
  'square',
  'discord',
  'clerk',
  'resend',
  'openai',
  'replicate',
  'recallai',
  'brex',
  'composio',
  'gitlab',
  'whatsapp',
  'hookdeck',
]);
const PRODUCERS = [
  'calendly',
  'calCom',
  'sentry',
  'pagerduty',
  'vercel',
  'linear',
  'notion',
  'typeform',
  'docusign',
  'jira',
  'intercom',
  'zendesk',
  'attio',
  'workos',
  'elevenlabs',
  'vapi',
  'retell',
  'shopify',
  'loops',
  'granola',
  'autumn',
  'metronome',
  'mux',
  'tailscale',
  'langfuse',
  'infisical',
  'planetscale',
  'plain',
  'firecrawl',
  'supabase',
] as const;
export const providerProducers = unsupportedNamespace('providerProducers', PRODUCERS);
export const webhooks = {
  ...unsupportedNamespace('webhooks', [...PRODUCERS, ...Object.keys(webhookSources), 'constructEvent', 'endpoint', 'waiter']),
  SIGNATURE_HEADER_NAME: 'x-trigger-signature',
};
export const webhook = unsupported('webhook()');
export const defineWebhookEndpoint = unsupported('defineWebhookEndpoint()');
export const chatEvent = unsupported('chatEvent()');
export const toolTask = unsupported('toolTask()');
export const createCache = unsupported('createCache()');
export const concurrencyLimit = unsupported('concurrencyLimit()');
export const waitUntil = unsupported('waitUntil()');
export const queues = unsupportedNamespace('queues', ['list', 'retrieve', 'pause', 'overrideConcurrencyLimit', 'resetConcurrencyLimit', 'resume']);
export const normalizeKeyString = unsupported('normalizeKeyString()');
export const markChatAgentRunForStreamsWarning = unsupported('markChatAgentRunForStreamsWarning()');
export const isChatChunkTooLargeError = (e: unknown): boolean => e instanceof Error && e.name === 'ChatChunkTooLargeError';
export const InMemoryCache = unsupportedClass('InMemoryCache');
export const TriggerClient = unsupportedClass('TriggerClient');
export const SessionHandle = unsupportedClass('SessionHandle');
export const SessionInputChannel = unsupportedClass('SessionInputChannel');
export const SessionOutputChannel = unsupportedClass('SessionOutputChannel');
export const __setSessionOpenImplForTests = unsupported('__setSessionOpenImplForTests()');
export const __setSessionStartImplForTests = unsupported('__setSessionStartImplForTests()');
export const __setSessionCloseImplForTests = unsupported('__setSessionCloseImplForTests()');

/** Error classes of features above: they exist so `instanceof` checks in shared code work. */
function namedError(name: string): new (message?: string) => Error {
  return class extends Error {
    constructor(message?: string) {
      super(message);
      this.name = name;
    }
  };
}
export const OIDCTokenError = namedError('OIDCTokenError');
export const ChatChunkTooLargeError = namedError('ChatChunkTooLargeError');
export const WebhookError = namedError('WebhookError');
export const WebhookEndpointNotFoundError = namedError('WebhookEndpointNotFoundError');
export const WebhookFilterError = namedError('WebhookFilterError');
export const WebhookIndexingError = namedError('WebhookIndexingError');
export const WebhookWaiterCancelledError = namedError('WebhookWaiterCancelledError');
export const WebhookWaiterLimitError = namedError('WebhookWaiterLimitError');
