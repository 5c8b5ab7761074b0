import type { Scenario } from '../scenario.ts';
import { apiScenario } from './api.ts';
import { exporterScenario } from './exporter.ts';
import { mqttScenario } from './mqtt.ts';
import { parseScenario } from './parse.ts';
import { promqlScenario } from './promql.ts';
import { reliabilityScenario } from './reliability.ts';
import { remoteWriteScenario } from './remote-write.ts';
import { uiScenario } from './ui.ts';

/** Every scenario `npm run bench` knows, in the order it runs them. */
export const scenarios: Scenario[] = [exporterScenario, remoteWriteScenario, parseScenario, apiScenario, mqttScenario, promqlScenario, uiScenario, reliabilityScenario];
