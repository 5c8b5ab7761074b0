import type { Scenario } from '../scenario.ts';

/** Every scenario `npm run bench` knows, in the order it runs them. */
export const scenarios: Scenario[] = [];
