export type { Role, TokenScope } from './roles.ts';
export { ROLES, TOKEN_SCOPES, roleAtLeast } from './roles.ts';
export { hashPassword, verifyPassword } from './password.ts';
export type { TokenPrincipal } from './api-token.ts';
export { API_TOKEN_PREFIX, generateApiToken, hashApiToken, isApiToken, verifyApiToken } from './api-token.ts';
