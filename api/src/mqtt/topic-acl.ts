import type { Role } from '@sextant/auth';

/** Who is connected: a user (by password or access JWT) or an API token with the `mqtt` scope. */
export interface MqttPrincipal {
  userId: string;
  username: string;
  role: Role;
  /** Set when the client logged in with an API token. */
  tokenId?: string;
  /** Epoch ms after which the credential is no longer valid (an access JWT's `exp`). */
  expiresAt?: number;
}

/** What clients may do besides reading `sextant/v1/#`. */
export interface TopicAclOptions {
  /** Home Assistant discovery prefix when discovery is on: readable, and `<prefix>/status` writable. */
  homeAssistantPrefix?: string;
}

/**
 * Whether `principal` may subscribe to `filter`: only filters whose every match lies under
 * `sextant/v1/` (and the Home Assistant discovery tree when on). Every role, viewer and up, reads
 * all of it; `#`, `+/…`, `$SYS/…` and anything else are refused.
 */
export function canSubscribe(_principal: MqttPrincipal, filter: string, options: TopicAclOptions = {}): boolean {
  const levels = filter.split('/');
  if (levels.length >= 3 && levels[0] === 'sextant' && levels[1] === 'v1') return true;
  const ha = options.homeAssistantPrefix;
  return ha !== undefined && levels.length >= 2 && levels[0] === ha;
}

/**
 * Whether `principal` may publish to `topic`. Only Sextant publishes under `sextant/` (it bypasses
 * this check); a client may publish nothing there, nor anywhere else, except Home Assistant's own
 * birth/will message `<prefix>/status` when discovery is on.
 */
export function canPublish(_principal: MqttPrincipal, topic: string, options: TopicAclOptions = {}): boolean {
  return options.homeAssistantPrefix !== undefined && topic === `${options.homeAssistantPrefix}/status`;
}
