import type { Scenario } from '../scenario.ts';
import { exporterScenario } from './exporter.ts';
import { remoteWriteScenario } from './remote-write.ts';

/** Every scenario `npm run bench` knows, in the order it runs them. */
export const scenarios: Scenario[] = [exporterScenario, remoteWriteScenario];
