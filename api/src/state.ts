import type { Logger } from '@sextant/log';
import type { Principal } from './route.ts';

// What the API's middleware puts on `ctx.state` (and `app.context`), typed for every handler.
declare module 'koa' {
  interface DefaultState {
    /** The request's id, echoed as `X-Request-Id`. */
    requestId?: string;
    /** A child logger carrying `requestId`. */
    log?: Logger;
    /** The authenticated caller on routes that are not public. */
    principal?: Principal;
  }
  interface DefaultContext {
    log?: Logger;
  }
}
