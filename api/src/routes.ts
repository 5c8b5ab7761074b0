import { alertRuleRoutes } from './alert-rules/alert-rule-routes.ts';
import { alertRoutes } from './alerts/alert-routes.ts';
import { metricsRoutes } from './metrics/metrics-routes.ts';
import { promApiRoutes } from './prom-api/prom-api-routes.ts';
import type { RouteModule } from './route.ts';
import { sdRoutes } from './sd/sd-routes.ts';
import { serverRoutes } from './servers/server-routes.ts';
import { silenceRoutes } from './silences/silence-routes.ts';

/** Every route module of the API, in mounting order; the OpenAPI document and the authorization matrix are built from the same list. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  serverRoutes,
  metricsRoutes,
  sdRoutes,
  promApiRoutes,
  alertRuleRoutes,
  alertRoutes,
  silenceRoutes,
];
