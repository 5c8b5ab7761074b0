import type { RouteModule } from './route.ts';

/** Every route module of the API, in mounting order; the OpenAPI document and the authorization matrix are built from the same list. */
export const ROUTE_MODULES: readonly RouteModule[] = [];
