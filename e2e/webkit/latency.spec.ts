import { latencyScenarios } from '../scenarios/latency.ts';
import { webkitTest } from '../support/fixtures.ts';

latencyScenarios(webkitTest);
