import { latencyScenarios } from '../scenarios/latency.ts';
import { test } from '../support/fixtures.ts';

latencyScenarios(test);
