import type { Authenticate } from './authenticate.ts';
import type { JwtKeys } from './jwt-keys.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { RefreshTokens } from './refresh-tokens.ts';

/** What the API's own auth, user and token routes share, built once per app by `createApp`. */
export interface AuthRuntime {
  keys: JwtKeys;
  authenticate: Authenticate;
  refreshTokens: RefreshTokens;
  throttle: LoginThrottle;
  refreshTtlMs: number;
}
