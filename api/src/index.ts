export type { Principal, RouteAuth, RouteInput, RouteResponse, RouteSpec } from './route.ts';
export { defineRoute } from './route.ts';
