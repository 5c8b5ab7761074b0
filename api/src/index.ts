export type { Principal, RouteAuth, RouteInput, RouteResponse, RouteSpec, RouteDeps, RouteModule } from './route.ts';
export { defineRoute } from './route.ts';
